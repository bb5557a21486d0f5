/**
 * Node-only file helpers for the dataset loaders: read a file whole, transparently
 * gunzipping it when it starts with the gzip magic bytes (1f 8b), with errors that
 * name the file.
 */

/**
 * A Node builtin resolved at call time (process.getBuiltinModule, Node >= 20.16), so
 * that importing myelin in a browser or bundler never touches node:* modules; there
 * the loaders throw a clear error instead.
 */
export function nodeBuiltin<T>(id: "node:fs" | "node:zlib" | "node:path" | "node:crypto" | "node:worker_threads" | "node:module", who: string): T {
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const m = p?.getBuiltinModule?.(id) as T | undefined;
  if (!m) throw new Error(`${who}: reading files needs Node.js >= 20.16 (${id}); in the browser fetch the bytes and use the parse* functions`);
  return m;
}

/** Reads `path`; gzip-compressed content (by magic bytes, not by name) is decompressed. */
export function readMaybeGzip(path: string, who: string): Uint8Array {
  const { readFileSync } = nodeBuiltin<typeof import("node:fs")>("node:fs", who);
  const { gunzipSync } = nodeBuiltin<typeof import("node:zlib")>("node:zlib", who);
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
  const { existsSync } = nodeBuiltin<typeof import("node:fs")>("node:fs", "findFile");
  for (const c of candidates) {
    if (existsSync(c)) return c;
    if (existsSync(c + ".gz")) return c + ".gz";
  }
  return null;
}
