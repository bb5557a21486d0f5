/**
 * Node-only file helpers for the dataset loaders: read a file whole, transparently
 * gunzipping it when it starts with the gzip magic bytes (1f 8b), with errors that
 * name the file.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** Reads `path`; gzip-compressed content (by magic bytes, not by name) is decompressed. */
export function readMaybeGzip(path: string, who: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`${who}: cannot read ${path}: ${(e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new Error(`${who}: ${path}: corrupt or truncated gzip data: ${(e as Error).message}`);
    }
  }
  return raw;
}

/** The first existing path among `candidates` (each tried as-is and with ".gz"), or null. */
export function findFile(candidates: string[]): string | null {
  for (const c of candidates) {
    if (existsSync(c)) return c;
    if (existsSync(c + ".gz")) return c + ".gz";
  }
  return null;
}
