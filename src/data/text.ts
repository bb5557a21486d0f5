/**
 * Text for language modelling: character and word vocabularies (encode/decode) and
 * a TextCorpus that turns text into token ids and next-token training windows.
 * Windows are gathered per batch (getBatch), never materialised for the whole corpus.
 */
import { Tensor, make } from "../core/tensor.js";
import { Dataset } from "./dataset.js";
import { readData } from "../ops/data.js";

/** A token ↔ id mapping. */
export class Vocab {
  /** id → token. */
  readonly itos: string[];
  /** token → id. */
  readonly stoi: Map<string, number>;
  /** Id of the unknown token, or -1 when unknown tokens are an error. */
  readonly unkId: number;

  constructor(tokens: string[], readonly level: "char" | "word", unk?: string) {
    this.itos = tokens.slice();
    this.stoi = new Map(tokens.map((t, i) => [t, i]));
    if (this.stoi.size !== tokens.length) throw new Error("Vocab: tokens must be unique");
    this.unkId = unk === undefined ? -1 : this.stoi.get(unk) ?? -1;
  }

  /** Number of tokens. */
  get size(): number {
    return this.itos.length;
  }

  /** Splits text into this vocabulary's tokens (characters, or words and punctuation marks). */
  tokenize(text: string): string[] {
    return this.level === "char" ? Array.from(text) : tokenizeWords(text);
  }

  /** Token ids of `text` (or of a token list) as an int32 tensor [L]. */
  encode(text: string | string[]): Tensor {
    const toks = typeof text === "string" ? this.tokenize(text) : text;
    const out = new Int32Array(toks.length);
    for (let i = 0; i < toks.length; i++) {
      const id = this.stoi.get(toks[i]);
      if (id === undefined) {
        if (this.unkId < 0) throw new Error(`Vocab.encode: token ${JSON.stringify(toks[i])} (position ${i}) is not in the ${this.size}-token vocabulary`);
        out[i] = this.unkId;
      } else out[i] = id;
    }
    return make(out, [out.length], "int32");
  }

  /** Text of token ids (characters concatenated; words joined by spaces). */
  decode(ids: Tensor | ArrayLike<number>): string {
    const d = ids instanceof Tensor ? readData(ids) : ids;
    const toks: string[] = [];
    for (let i = 0; i < d.length; i++) {
      const t = this.itos[d[i]];
      if (t === undefined) throw new RangeError(`Vocab.decode: id ${d[i]} is out of range for a vocabulary of ${this.size}`);
      toks.push(t);
    }
    return toks.join(this.level === "char" ? "" : " ");
  }
}

/** Words and single punctuation marks (Unicode letters/digits/apostrophes form words). */
export function tokenizeWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_']+|[^\s\p{L}\p{N}_']/gu) ?? [];
}

/**
 * The sorted set of characters (code points) in `text`, as karpathy's char-rnn does.
 * @example charVocab("hello").itos // ["e", "h", "l", "o"]
 */
export function charVocab(text: string): Vocab {
  return new Vocab([...new Set(Array.from(text))].sort(), "char");
}

/**
 * Word vocabulary: tokens by descending frequency (ties alphabetical), those seen
 * fewer than minFreq times dropped, and an unknown token at id 0.
 * @example wordVocab(text, { minFreq: 2 })
 */
export function wordVocab(text: string, opts: { minFreq?: number; lower?: boolean; unk?: string; maxSize?: number } = {}): Vocab {
  const unk = opts.unk ?? "<unk>";
  const counts = new Map<string, number>();
  for (const w of tokenizeWords(opts.lower ? text.toLowerCase() : text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  counts.delete(unk);
  let words = [...counts.entries()].filter(([, c]) => c >= (opts.minFreq ?? 1));
  words.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (opts.maxSize !== undefined) words = words.slice(0, Math.max(0, opts.maxSize - 1));
  return new Vocab([unk, ...words.map(([w]) => w)], "word", unk);
}

/**
 * Next-token windows over a token-id sequence: item i is [x, y] with
 * x = ids[i*stride .. i*stride+seqLen) and y the same shifted by one.
 */
export class SequenceWindows extends Dataset<[Tensor, Tensor]> {
  constructor(readonly ids: Int32Array, readonly seqLen: number, readonly stride: number) {
    super();
    if (!Number.isInteger(seqLen) || seqLen < 1) throw new RangeError(`windows: seqLen must be a positive integer, got ${seqLen}`);
    if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`windows: stride must be a positive integer, got ${stride}`);
  }

  len(): number {
    return this.ids.length <= this.seqLen ? 0 : Math.floor((this.ids.length - this.seqLen - 1) / this.stride) + 1;
  }

  get(i: number): [Tensor, Tensor] {
    const [x, y] = this.getBatch(Int32Array.of(i));
    return [x.reshape(this.seqLen), y.reshape(this.seqLen)];
  }

  /** x and y for several windows at once: int32 [B, seqLen] each. */
  getBatch(indices: Int32Array): [Tensor, Tensor] {
    const T = this.seqLen, n = this.len();
    const x = new Int32Array(indices.length * T), y = new Int32Array(indices.length * T);
    for (let b = 0; b < indices.length; b++) {
      const w = indices[b];
      if (!(w >= 0 && w < n)) throw new RangeError(`windows.get: index ${w} is out of range for ${n} windows`);
      const s = w * this.stride;
      x.set(this.ids.subarray(s, s + T), b * T);
      y.set(this.ids.subarray(s + 1, s + T + 1), b * T);
    }
    return [make(x, [indices.length, T], "int32"), make(y, [indices.length, T], "int32")];
  }
}

/**
 * A text encoded with a vocabulary (built from the text unless given).
 * @example const c = new TextCorpus(text); const loader = new DataLoader(c.windows(64), { batchSize: 32, shuffle: true });
 */
export class TextCorpus {
  readonly vocab: Vocab;
  /** Token ids of the whole text, int32 [L]. */
  readonly ids: Tensor;

  constructor(readonly text: string, opts: { level?: "char" | "word"; vocab?: Vocab; minFreq?: number; lower?: boolean } = {}) {
    const level = opts.vocab?.level ?? opts.level ?? "char";
    const src = level === "word" && opts.lower ? text.toLowerCase() : text;
    this.vocab = opts.vocab ?? (level === "char" ? charVocab(src) : wordVocab(src, { minFreq: opts.minFreq }));
    this.ids = this.vocab.encode(src);
  }

  /** Number of tokens. */
  len(): number {
    return this.ids.shape[0];
  }

  /** Next-token windows of seqLen tokens, every `stride` tokens (default: seqLen, non-overlapping). */
  windows(seqLen: number, opts: { stride?: number } = {}): SequenceWindows {
    return new SequenceWindows(readData(this.ids) as Int32Array, seqLen, opts.stride ?? seqLen);
  }

  /** Splits the token stream at a fraction (e.g. 0.9 → first 90% / last 10%), both sharing this vocab. */
  split(fraction: number): [SequenceSource, SequenceSource] {
    if (!(fraction > 0 && fraction < 1)) throw new RangeError(`TextCorpus.split: fraction must be in (0, 1), got ${fraction}`);
    const d = readData(this.ids) as Int32Array;
    const k = Math.floor(d.length * fraction);
    return [new SequenceSource(d.subarray(0, k)), new SequenceSource(d.subarray(k))];
  }
}

/** A slice of a corpus's token ids (from TextCorpus.split) that can make windows. */
export class SequenceSource {
  constructor(readonly ids: Int32Array) {}

  /** Next-token windows of seqLen tokens, every `stride` tokens (default: seqLen, non-overlapping). */
  windows(seqLen: number, opts: { stride?: number } = {}): SequenceWindows {
    return new SequenceWindows(this.ids, seqLen, opts.stride ?? seqLen);
  }
}
