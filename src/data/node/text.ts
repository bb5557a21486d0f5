/**
 * Node loader for text corpora (UTF-8, plain or gzipped by magic bytes).
 */
import { TextCorpus, type Vocab } from "../text.js";
import { readMaybeGzip } from "./files.js";

/**
 * Reads a UTF-8 text file into a TextCorpus (character level unless told otherwise).
 * @example const c = loadText("tinyshakespeare.txt"); c.vocab.size // 65
 */
export function loadText(path: string, opts: { level?: "char" | "word"; vocab?: Vocab; minFreq?: number; lower?: boolean } = {}): TextCorpus {
  return new TextCorpus(new TextDecoder("utf-8").decode(readMaybeGzip(path, "loadText")), opts);
}
