/**
 * Smoke test of examples/char-lm: a tiny causal Transformer trained for a few dozen
 * steps on Tiny Shakespeare must beat the unigram model (counted here from the raw
 * text) in validation bits per character; the causal mask must hide the future
 * (checked by perturbing later tokens); seeded sampling must be reproducible.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as my from "../../src/index.js";
import { CharLstm, CharTransformer, generate } from "../../src/models/charlm.js";
import { trainCharLm } from "../../examples/char-lm/train.js";
import { SHARED_DATA } from "../data/shared-data.js";

// The corpus comes from ../shared/data (never copied into the repo).
const TEXT_PATH = `${SHARED_DATA}/tinyshakespeare.txt`;
const skip = SHARED_DATA && existsSync(TEXT_PATH) ? false : "tinyshakespeare.txt not found in ../shared/data";

test("char-lm: a tiny Transformer beats the unigram bits-per-character after 40 steps", { skip }, () => {
  const r = trainCharLm({ corpus: new my.data.TinyShakespeare({ root: SHARED_DATA! }), steps: 40, batchSize: 16, seqLen: 32, dModel: 32, numLayers: 1, lr: 1e-2, valChars: 2048, sampleLength: 0, seed: 0 });
  // Unigram entropy of the validation characters under training-text frequencies (add-one).
  const chars = Array.from(readFileSync(TEXT_PATH, "utf8"));
  const cut = Math.floor(chars.length * 0.9);
  const counts = new Map<string, number>();
  for (let i = 0; i < cut; i++) counts.set(chars[i], (counts.get(chars[i]) ?? 0) + 1);
  const V = new Set(chars).size;
  let bits = 0;
  for (let i = cut + 1; i <= cut + r.valChars; i++) bits -= Math.log2(((counts.get(chars[i]) ?? 0) + 1) / (cut + V));
  const unigram = bits / r.valChars;
  assert.equal(r.vocabSize, 65);
  assert.ok(Math.abs(r.unigramBpc - unigram) < 1e-9, `example unigram ${r.unigramBpc} vs ${unigram}`);
  assert.ok(unigram > 4.5 && unigram < 5, `unigram bpc ${unigram}`);
  assert.ok(r.bpc < unigram - 0.3, `model ${r.bpc} bpc vs unigram ${unigram}`);
});

test("char-lm: CharTransformer logits at position t ignore tokens after t", () => {
  my.manualSeed(1);
  const m = new CharTransformer({ vocabSize: 11, blockSize: 8, dModel: 16, nhead: 2, numLayers: 2 });
  m.eval();
  const a = my.tensor([[1, 2, 3, 4, 5, 6, 7, 8]], { dtype: "int32" });
  const b = my.tensor([[1, 2, 3, 4, 10, 0, 9, 9]], { dtype: "int32" });
  const [la, lb] = my.noGrad(() => [m.forward(a).data(), m.forward(b).data()]);
  for (let i = 0; i < 4 * 11; i++) assert.ok(Math.abs(la[i] - lb[i]) < 1e-5, `position ${Math.floor(i / 11)} changed`);
  let diff = 0;
  for (let i = 4 * 11; i < 8 * 11; i++) diff += Math.abs(la[i] - lb[i]);
  assert.ok(diff > 1e-3, "later positions must see the changed tokens");
});

test("char-lm: generate is reproducible for a seed and follows the temperature limit", () => {
  my.manualSeed(2);
  const m = new CharLstm({ vocabSize: 7, embedDim: 4, hidden: 8 });
  const s1 = generate(m, [1, 2], 20, { generator: new my.Generator(5) });
  const s2 = generate(m, [1, 2], 20, { generator: new my.Generator(5) });
  assert.deepEqual(s1, s2);
  assert.equal(s1.length, 22);
  assert.ok(s1.every((t) => Number.isInteger(t) && t >= 0 && t < 7));
  // Temperature -> 0 is greedy decoding: the argmax of the last logits.
  const greedy = generate(m, [3], 1, { temperature: 1e-6, generator: new my.Generator(0) })[1];
  const logits = my.noGrad(() => m.forward(my.tensor([[3]], { dtype: "int32" }))).data();
  assert.equal(greedy, Array.from(logits).indexOf(Math.max(...logits)));
});
