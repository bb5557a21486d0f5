/**
 * Node-only file helpers for the training toolkit: atomic writes (temp file in the
 * same directory, fsync, then rename) so a crash mid-save leaves the old file intact;
 * the temp files of earlier crashed writes are removed first.
 */
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { removeStaleTemps } from "../io/stale-temps.js";

/** Writes `data` to `path` atomically, creating parent directories. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
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
