/**
 * Temporary files of myelin's atomic writers (`io.save`: `<file>.tmp-<pid>-<random>`;
 * checkpoints: `.<file>.<pid>.<time>.tmp`) are renamed over the target when a write
 * completes. A process killed mid-write leaves its temp file behind; the next write to
 * the same target (or the next `myelin train` into that directory) removes the ones
 * whose writing process is gone. Files of live processes are left alone.
 */
type NodeFs = typeof import("node:fs");

function nodeFs(): NodeFs | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  return proc?.getBuiltinModule?.("node:fs") as NodeFs | undefined;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether process `pid` still runs (EPERM: it runs under another user). */
function alive(pid: number): boolean {
  const proc = (globalThis as { process?: { kill(pid: number, signal: number): void } }).process;
  if (!proc) return true; // no process table to ask (never reached: callers need node:fs)
  try {
    proc.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temp files an interrupted atomic write of `path` left behind (their
 * writer no longer runs); returns the removed paths. Never throws: cleaning up must
 * not stop the write or the run that asked for it.
 */
export function removeStaleTemps(path: string): string[] {
  const fs = nodeFs();
  if (!fs) return [];
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = cut < 0 ? "." : path.slice(0, cut) || "/", base = path.slice(cut + 1);
  const patterns = [new RegExp(`^${escape(base)}\\.tmp-(\\d+)-[a-z0-9]*$`), new RegExp(`^\\.${escape(base)}\\.(\\d+)\\.\\d+\\.tmp$`)];
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = patterns.map((re) => re.exec(name)?.[1]).find((p) => p !== undefined);
    if (pid === undefined || alive(Number(pid))) continue;
    const p = `${dir}/${name}`;
    try {
      fs.rmSync(p, { force: true });
      removed.push(p);
    } catch { /* another process may be removing it too */ }
  }
  return removed;
}
