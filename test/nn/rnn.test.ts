/**
 * The nn.utils.rnn packing helpers against PyTorch (test/fixtures/gen_nn_rnn.py). The
 * recurrent layers' fixture cases (test/nn/rnn-cases.ts) replay on every backend from
 * the one fixture loop, test/backends/fixtures.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, my } from "../helpers.js";
import { decode, fx, type Enc } from "./rnn-cases.js";

const R = my.nn.utils.rnn;

test("rnn utils: packPaddedSequence / padPackedSequence / padSequence / packSequence match PyTorch", () => {
  const u = fx.utils;
  const x = decode(u.x);
  const p = R.packPaddedSequence(x, [3, 5, 2, 4], { enforceSorted: false });
  assertClose(p.data, u.packed_unsorted.data.data, { msg: "packed data" });
  assert.deepEqual(p.data.shape, u.packed_unsorted.data.shape);
  assert.deepEqual(Array.from(p.batchSizes.data()), u.packed_unsorted.batchSizes);
  assert.deepEqual(Array.from(p.sortedIndices!.data()), u.packed_unsorted.sortedIndices);
  assert.deepEqual(Array.from(p.unsortedIndices!.data()), u.packed_unsorted.unsortedIndices);
  const [pad, lens] = R.padPackedSequence(p, { batchFirst: true, paddingValue: -1, totalLength: 6 });
  assert.deepEqual(pad.shape, u.pad_bf_total6.padded.shape);
  assertClose(pad, u.pad_bf_total6.padded.data, { msg: "padded" });
  assert.deepEqual(Array.from(lens.data()), u.pad_bf_total6.lengths);
  const p2 = R.packPaddedSequence(decode(u.xb), [5, 4, 4, 1], { batchFirst: true });
  assertClose(p2.data, u.packed_sorted_bf.data.data, { msg: "packed sorted batchFirst" });
  assert.deepEqual(Array.from(p2.batchSizes.data()), u.packed_sorted_bf.batchSizes);
  assert.equal(p2.sortedIndices, null);
  const seqs = (u.seqs as Enc[]).map(decode);
  const ps = R.padSequence(seqs);
  assert.deepEqual(ps.shape, u.padSequence.shape);
  assertClose(ps, u.padSequence.data, { msg: "padSequence" });
  assertClose(R.padSequence(seqs, { batchFirst: true, paddingValue: 9 }), u.padSequence_bf_pad.data, { msg: "padSequence batchFirst" });
  const pk = R.packSequence(seqs, { enforceSorted: false });
  assertClose(pk.data, u.packSequence.data.data, { msg: "packSequence" });
  assert.deepEqual(Array.from(pk.batchSizes.data()), u.packSequence.batchSizes);
  const back = R.unpackSequence(pk);
  back.forEach((s, i) => assertClose(s, Array.from(seqs[i].data()), { msg: `unpackSequence ${i}` }));
});
