/**
 * Terminal progress bar for training: one line per epoch redrawn in place with
 * ETA, loss and metrics when the stream is a TTY; otherwise quiet until the
 * epoch's summary line (so logs and CI output stay readable).
 */

/** Where {@link ProgressBar} writes: `process.stdout` or anything with `write` (redrawn in place only when `isTTY`). */
export interface ProgressStream {
  /** Writes a chunk of text. */
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function defaultStream(): ProgressStream | null {
  const p = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  return p?.stdout ?? null;
}

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? h + ":" : ""}${mm}:${String(r).padStart(2, "0")}`;
}

/** Formats a logs record as "loss 0.1234 · accuracy 0.9876". */
export function formatLogs(logs: Record<string, number>): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4)}`)
    .join(" · ");
}

/** The per-epoch progress line {@link fit} draws (batches done, ETA, running loss and metrics). */
export class ProgressBar {
  private start = 0;
  private lastDraw = 0;
  private readonly stream: ProgressStream | null;
  private readonly tty: boolean;

  /** `total` steps; `label` prefixes the line (e.g. "Epoch 1/5"). */
  constructor(private total: number, private label = "", opts: { stream?: ProgressStream | null; width?: number } = {}) {
    this.stream = opts.stream === undefined ? defaultStream() : opts.stream;
    this.tty = !!this.stream?.isTTY;
    this.width = opts.width ?? 24;
    this.start = Date.now();
  }

  private readonly width: number;

  /** Redraws (at most every 100 ms on a TTY; never otherwise) after `done` steps. */
  update(done: number, logs: Record<string, number> = {}, force = false): void {
    if (!this.tty || !this.stream) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const frac = this.total ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * this.width);
    const bar = "=".repeat(Math.max(0, filled - 1)) + (filled ? (frac < 1 ? ">" : "=") : "") + " ".repeat(this.width - filled);
    const elapsed = (now - this.start) / 1000;
    const eta = done ? (elapsed / done) * (this.total - done) : NaN;
    let line = `${this.label} [${bar}] ${done}/${this.total} ETA ${formatDuration(eta)} ${formatLogs(logs)}`;
    const cols = this.stream.columns ?? 120;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.stream.write(`\r${line}\x1b[K`);
  }

  /** Ends the line with a summary (printed on TTYs and non-TTYs alike). */
  finish(logs: Record<string, number> = {}): void {
    if (!this.stream) return;
    const elapsed = (Date.now() - this.start) / 1000;
    const line = `${this.label} ${this.total}/${this.total} ${formatDuration(elapsed)} ${formatLogs(logs)}`;
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
