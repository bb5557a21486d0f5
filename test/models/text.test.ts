// models.text against hand-written PyTorch versions of Hugging Face's BertModel and
// GPT2LMHeadModel (test/fixtures/zoo_text.json from gen_zoo_text.py): state-dict keys
// and shapes, outputs after both sides filled weights from the same formula
// (zoo-weights.ts), GPT-2's greedy continuation computed by PyTorch without a cache,
// and cached generate() against uncached generate().
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { deterministicFill } from "./zoo-weights.js";

const { text } = my.models;
interface Desc { keys: string[]; shapes: number[][] }
const fx = loadFixture<{
  bert: Desc & { inputIds: number[][]; tokenTypeIds: number[][]; attentionMask: number[][]; lastHiddenState: number[]; poolerOutput: number[] };
  gpt2: Desc & { inputIds: number[][]; logits: number[]; greedy: number[][] };
}>("zoo_text");
const ints = (rows: number[][]): Tensor => my.tensor(rows, { dtype: "int32" });
const bertConfig = { vocabSize: 50, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 16, typeVocabSize: 2 };
const gptConfig = { vocabSize: 40, nPositions: 32, nEmbd: 32, nLayer: 2, nHead: 4 };

/** Asserts Hugging Face's keys (in order) and shapes. */
function assertKeys(m: my.nn.Module, f: Desc): void {
  const sd = m.stateDict();
  assert.deepEqual(Object.keys(sd), f.keys);
  assert.deepEqual(Object.values(sd).map((t) => t.shape), f.shapes);
}

function gpt2(): InstanceType<typeof text.GPT2LMHeadModel> {
  const m = new text.GPT2LMHeadModel(gptConfig);
  deterministicFill(m);
  return m.eval();
}

test("BertModel: Hugging Face's keys and shapes; hidden states and pooler output equal the PyTorch reference (padding masked)", () => {
  const f = fx.bert;
  const m = new text.BertModel(bertConfig);
  assertKeys(m, f);
  deterministicFill(m);
  m.eval();
  const out = my.noGrad(() => m.forward(ints(f.inputIds), { tokenTypeIds: ints(f.tokenTypeIds), attentionMask: ints(f.attentionMask) }));
  assert.deepEqual(out.lastHiddenState.shape, [2, 7, 32]);
  assertClose(out.lastHiddenState, f.lastHiddenState, { atol: 2e-5, rtol: 1e-4 });
  assertClose(out.poolerOutput!, f.poolerOutput, { atol: 2e-5, rtol: 1e-4 });
  // An old checkpoint's position_ids buffer is ignored; an unknown config key is refused.
  assert.deepEqual(m.loadStateDict({ ...m.stateDict(), "embeddings.position_ids": my.arange(16).reshape(1, 16) }), { missingKeys: [], unexpectedKeys: [] });
  assert.throws(() => new text.BertModel({ hidden_size: 8 } as never), /BertModel: unknown config key "hidden_size"/);
});

test("GPT2LMHeadModel: Hugging Face's keys (Conv1D weights [in, out], lm_head tied to wte) and logits equal the PyTorch reference", () => {
  const f = fx.gpt2;
  const m = new text.GPT2LMHeadModel(gptConfig);
  assertKeys(m, f);
  assert.equal(m.lmHead.weight, m.transformer.wte.weight);
  deterministicFill(m);
  m.eval();
  const { logits } = my.noGrad(() => m.forward(ints(f.inputIds)));
  assert.deepEqual(logits.shape, [2, 5, 40]);
  assertClose(logits, f.logits, { atol: 2e-5, rtol: 1e-4 });
  // A Hugging Face checkpoint without lm_head.weight and with the old attn.bias buffers loads.
  const hf: Record<string, Tensor> = { ...m.stateDict(), "transformer.h.0.attn.bias": my.ones([1, 1, 32, 32]) };
  delete hf["lm_head.weight"];
  assert.deepEqual(m.loadStateDict(hf), { missingKeys: [], unexpectedKeys: [] });
});

test("GPT2LMHeadModel.generate: greedy with the KV cache equals PyTorch's uncached greedy continuation and myelin's uncached one", () => {
  const f = fx.gpt2;
  const m = gpt2();
  const cached = m.generate(ints(f.inputIds), { maxNewTokens: 12 });
  assert.deepEqual(cached.shape, [2, 17]);
  assert.deepEqual(cached.toArray(), f.greedy);
  assert.deepEqual(m.generate(ints(f.inputIds), { maxNewTokens: 12, useCache: false }).toArray(), f.greedy);
});

test("GPT2LMHeadModel: cached step logits equal the full-prefix logits; seeded top-k sampling is the same with and without the cache", () => {
  const m = gpt2();
  const ids = ints([[3, 9, 27, 1, 14, 6]]);
  const full = my.noGrad(() => m.forward(ids).logits);
  const first = my.noGrad(() => m.forward(ids.narrow(1, 0, 4)));
  const step = my.noGrad(() => m.forward(ids.narrow(1, 4, 2), { pastKeyValues: first.pastKeyValues }).logits);
  assertClose(step, Array.from(full.narrow(1, 4, 2).contiguous().data() as Float32Array), { atol: 1e-5, rtol: 1e-4 });
  const sample = (useCache: boolean) => m.generate(ids, { maxNewTokens: 10, temperature: 0.8, topK: 5, useCache, generator: new my.Generator(7) }).toArray();
  const a = sample(true);
  assert.deepEqual(a, sample(false));
  assert.notDeepEqual(a, m.generate(ids, { maxNewTokens: 10 }).toArray(), "sampling at temperature 0.8 should leave the greedy path somewhere in 10 steps");
  assert.throws(() => m.generate(ids, { maxNewTokens: 40 }), /6 cached \+ 1 new positions|exceed nPositions/);
  assert.throws(() => m.generate(ids, { maxNewTokens: 2, topK: 0 }), /generate: topK must be a positive integer/);
});

test("GPT2LMHeadModel.forward: a position with attentionMask 0 has no effect on the other positions' logits", () => {
  const m = gpt2();
  const mask = ints([[1, 1, 0, 1, 1]]);
  const a = my.noGrad(() => m.forward(ints([[4, 8, 15, 16, 23]]), { attentionMask: mask }).logits);
  const b = my.noGrad(() => m.forward(ints([[4, 8, 33, 16, 23]]), { attentionMask: mask }).logits);
  const keep = (t: Tensor) => Array.from(my.cat([t.narrow(1, 0, 2), t.narrow(1, 3, 2)], 1).contiguous().data() as Float32Array);
  assertClose(keep(a), keep(b), { atol: 1e-6 });
  const c = my.noGrad(() => m.forward(ints([[4, 8, 33, 16, 23]])).logits);
  assert.ok(Math.abs(keep(c)[3 * 40 - 40] - keep(a)[3 * 40 - 40]) > 1e-4, "without the mask, token 2 changes later logits");
});
