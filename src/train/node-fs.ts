/**
 * Node-only file helpers for the training toolkit: atomic writes (temp file in the
 * same directory, fsync, then rename) so a crash mid-save leaves the old file intact;
 * the temp files of earlier crashed writes are removed first. The builtins are resolved
 * at call time (no `node:` imports), so browser bundles of myelin build; there these
 * helpers throw a clear error instead.
 */
import { nodeBuiltin } from "../data/node/files.js";
import { removeStaleTemps } from "../io/stale-temps.js";

type NodeFs = typeof import("node:fs");
type NodePath = typeof import("node:path");

/** Writes `data` to `path` atomically, creating parent directories. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const { mkdir, open, rename, unlink } = nodeBuiltin<NodeFs>("node:fs", "writeFileAtomic").promises;
  const { dirname, basename, join } = nodeBuiltin<NodePath>("node:path", "writeFileAtomic");
  await mkdir(dirname(path), { recursive: true });
  removeStaleTemps(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

/** Reads a whole file (`who` names the caller in the error outside Node). */
export async function readFileBytes(path: string, who: string): Promise<Uint8Array> {
  return new Uint8Array(await nodeBuiltin<NodeFs>("node:fs", who).promises.readFile(path));
}
