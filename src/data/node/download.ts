/**
 * Fetching a data set's files into a `root` folder (Node only), as torchvision's
 * `download=True`: try each mirror in turn, resume a partial `.part` file with an HTTP
 * Range request (or restart it when the server ignores Range), verify the published
 * checksum, then rename into place so a reader never sees a half-written file.
 *
 * The dataset constructors are synchronous (`new MNIST({ root, download: true })`), so
 * the HTTP transfer runs in a worker thread while this thread waits on Atomics.wait;
 * the worker's code is a plain JS string (not a compiled module) so it runs the same
 * from src under tsx, from dist, and from a bundle.
 */
import { nodeBuiltin } from "./files.js";
import { WORKER_SOURCE } from "./download-worker-source.js";

type Fs = typeof import("node:fs");
type NodePath = typeof import("node:path");

/** One file of a data set: its name, where it is published and its checksum. */
export interface Resource {
  /** File name inside the data set's folder, e.g. "train-images-idx3-ubyte.gz". */
  file: string;
  /** Canonical URLs, tried in order; `mirrors` in the dataset options replaces them. */
  urls: string[];
  /** SHA-256 (hex) of the file's bytes. */
  sha256?: string;
  /** MD5 (hex) of the file's bytes, where that is what the source publishes. */
  md5?: string;
  /** Accepts bytes whose checksum differs (e.g. a re-compressed .gz with the same content). */
  accept?: (bytes: Uint8Array) => boolean;
}

/** How a dataset looks for and fetches its files. */
export interface DownloadOptions {
  /** Fetch missing files (default false). */
  download?: boolean;
  /** Base URLs replacing the canonical ones: each is joined with the file name. */
  mirrors?: string[];
  /** Give up on a silent connection after this many ms (default 30,000). */
  stallTimeoutMs?: number;
}

/** Hex digest of `bytes` with node:crypto. */
export function digest(bytes: Uint8Array, algorithm: "sha256" | "md5"): string {
  const { createHash } = nodeBuiltin<typeof import("node:crypto")>("node:crypto", "digest");
  return createHash(algorithm).update(bytes).digest("hex");
}

/** The URLs to try for `r`: the mirrors joined with the file name, or its canonical URLs. */
export function urlsOf(r: Resource, mirrors?: string[]): string[] {
  return mirrors && mirrors.length ? mirrors.map((m) => (m.endsWith("/") ? m : m + "/") + r.file) : r.urls;
}

/** A sentence for errors: how to get `r` into `dir`. */
function howToGet(r: Resource, dir: string, flag: string, mirrors?: string[]): string {
  const urls = urlsOf(r, mirrors);
  return urls.length
    ? `pass ${flag} to fetch it from ${urls.join(" or ")}, or put the file there yourself`
    : `no public URL is known for it: put the file there yourself, or fetch it from a copy with ${flag} and mirrors: [<base URL>]`;
}

/**
 * Returns the path of `r.file` in `dir`, downloading it first when it is absent and
 * `opts.download` is set. `who` names the dataset and `flag` the option that enables
 * downloading (`download: true`, or the CLI's `--download`) in errors.
 */
export function ensureResource(r: Resource, dir: string, opts: DownloadOptions, who: string, flag = "download: true"): string {
  const fs = nodeBuiltin<Fs>("node:fs", who);
  const { join, resolve } = nodeBuiltin<NodePath>("node:path", who);
  const dest = join(dir, r.file);
  if (fs.existsSync(dest)) return dest;
  if (!opts.download) throw new Error(`${who}: ${resolve(dest)} not found; ${howToGet(r, resolve(dir), flag, opts.mirrors)}`);
  const urls = urlsOf(r, opts.mirrors);
  if (!urls.length) throw new Error(`${who}: ${resolve(dest)} not found and ${howToGet(r, resolve(dir), flag)}`);
  const createdDir = !fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true });
  const part = dest + ".part";
  const failures: string[] = [];
  for (const url of urls) {
    const res = fetchInWorker(url, part, opts.stallTimeoutMs ?? 30000);
    if (!res.ok) {
      failures.push(`${url}: ${res.error}`);
      // Keep a partial file only if bytes arrived: the next call resumes it with Range.
      if (fs.existsSync(part) && fs.statSync(part).size === 0) fs.rmSync(part);
      continue;
    }
    const bytes = fs.readFileSync(part);
    const bad = checksumProblem(r, bytes);
    if (bad === null) {
      fs.renameSync(part, dest);
      return dest;
    }
    fs.rmSync(part, { force: true });
    failures.push(`${url}: ${bad}`);
  }
  if (createdDir && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  throw new Error(`${who}: could not download ${r.file} into ${resolve(dir)}:\n  ${failures.join("\n  ")}`);
}

/** Null when `bytes` match `r`'s checksum, else what is wrong. */
function checksumProblem(r: Resource, bytes: Uint8Array): string | null {
  const [alg, want] = r.sha256 ? (["sha256", r.sha256] as const) : r.md5 ? (["md5", r.md5] as const) : [null, null];
  if (alg === null) return null;
  const got = digest(bytes, alg);
  if (got === want || r.accept?.(bytes)) return null;
  return `checksum mismatch: ${alg.toUpperCase()} ${got}, expected ${want} (${bytes.length} bytes; the file was deleted)`;
}

/** Runs the download worker for one URL and blocks until it reports. */
function fetchInWorker(url: string, part: string, stallMs: number): { ok: boolean; error?: string } {
  const wt = nodeBuiltin<typeof import("node:worker_threads")>("node:worker_threads", "download");
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new wt.MessageChannel();
  const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { url, part, stallMs, port: port2, flag }, transferList: [port2] });
  // A worker that dies without reporting (it reports every failure it can catch) must
  // not hang us: give up when the partial file has not grown for stallMs + 10 s.
  const fs = nodeBuiltin<Fs>("node:fs", "download");
  const sizeOf = () => (fs.existsSync(part) ? fs.statSync(part).size : 0);
  let size = sizeOf(), lastProgress = Date.now();
  while (Atomics.load(flag, 0) === 0) {
    Atomics.wait(flag, 0, 0, 1000);
    const now = sizeOf();
    if (now !== size) [size, lastProgress] = [now, Date.now()];
    else if (Atomics.load(flag, 0) === 0 && Date.now() - lastProgress > stallMs + 10000) return finish({ ok: false, error: "the download worker stopped responding" });
  }
  return finish((wt.receiveMessageOnPort(port1)?.message as { ok: boolean; error?: string }) ?? { ok: false, error: "no result from the download worker" });
  function finish(r: { ok: boolean; error?: string }) {
    port1.close();
    void worker.terminate();
    return r;
  }
}
