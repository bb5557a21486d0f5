/**
 * ONNX importer operators, part 3: layers (Gemm, Conv, ConvTranspose, pools,
 * normalisations) and the recurrent ops LSTM/GRU/RNN in ONNX's own gate orders
 * (LSTM i,o,f,c; GRU z,r,h), written as per-step tensor ops so gradients flow.
 */
import type { Tensor } from "../../core/tensor.js";
import * as E from "../../ops/elementwise.js";
import * as R from "../../ops/reduce.js";
import * as S from "../../ops/shape.js";
import { pad } from "../../ops/pad.js";
import * as C from "../../ops/creation.js";
import * as L from "../../ops/linalg.js";
import * as F from "../../nn/functional/index.js";
import { type OpHandler, type Attrs, vals, need } from "./ops-util.js";
import { checkSpatial } from "./checks.js";

/** Per-axis [begin, end] pads from `pads` or `auto_pad`. */
function convPads(a: Attrs, inSp: number[], k: number[], s: number[], d: number[]): [number[], number[]] {
  const nd = inSp.length;
  const auto = a.string("auto_pad", "NOTSET");
  if (auto === "SAME_UPPER" || auto === "SAME_LOWER") {
    const b: number[] = [], e: number[] = [];
    for (let i = 0; i < nd; i++) {
      const out = Math.ceil(inSp[i] / s[i]);
      const total = Math.max(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inSp[i]);
      const lo = auto === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
      b.push(lo);
      e.push(total - lo);
    }
    return [b, e];
  }
  const p = auto === "VALID" ? [] : a.ints("pads") ?? [];
  return [Array.from({ length: nd }, (_, i) => p[i] ?? 0), Array.from({ length: nd }, (_, i) => p[i + nd] ?? 0)];
}

/** Pads the spatial dims (2..) with a constant. */
function padSpatial(x: Tensor, b: number[], e: number[], value: number): Tensor {
  const pads: number[] = [];
  for (let i = b.length - 1; i >= 0; i--) pads.push(b[i], e[i]);
  return pads.some((p) => p !== 0) ? pad(x, pads, "constant", value) : x;
}

function spatialAttrs(a: Attrs, x: Tensor, kernel: number[] | undefined, op: string) {
  const nd = x.ndim - 2;
  if (nd !== 1 && nd !== 2) a.fail(`${op}: only 1-D and 2-D spatial inputs are supported, got shape [${x.shape}]`);
  checkSpatial(a, nd, kernel);
  const k = kernel ?? a.ints("kernel_shape") ?? a.fail(`${op}: kernel_shape is required`);
  const s = a.ints("strides") ?? k.map(() => 1);
  const d = a.ints("dilations") ?? k.map(() => 1);
  const [b, e] = convPads(a, x.shape.slice(2), k, s, d);
  return { nd, k, s, d, b, e, sym: b.every((v, i) => v === e[i]) };
}

function gemm(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const A = need(ins, 0, "Gemm"), B = need(ins, 1, "Gemm");
  let y = L.matmul(a.int("transA", 0) ? A.t() : A, a.int("transB", 0) ? B.t() : B);
  const alpha = a.float("alpha", 1), beta = a.float("beta", 1);
  if (alpha !== 1) y = E.mul(y, alpha);
  if (ins[2] && beta !== 0) y = E.add(y, beta === 1 ? ins[2] : E.mul(ins[2], beta));
  return y;
}

function conv(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  let x = need(ins, 0, "Conv");
  const w = need(ins, 1, "Conv");
  const { nd, s, d, b, e, sym } = spatialAttrs(a, x, w.shape.slice(2), "Conv");
  if (!sym) x = padSpatial(x, b, e, 0);
  const opts = { stride: s, dilation: d, groups: a.int("group", 1), padding: sym ? b : 0 };
  return nd === 1 ? F.conv1d(x, w, ins[2], opts) : F.conv2d(x, w, ins[2], opts);
}

function convTranspose(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const x = need(ins, 0, "ConvTranspose"), w = need(ins, 1, "ConvTranspose");
  const nd = x.ndim - 2;
  if (nd !== 1 && nd !== 2) a.fail(`only 1-D and 2-D spatial inputs are supported, got shape [${x.shape}]`);
  checkSpatial(a, nd, w.shape.slice(2));
  const k = a.ints("kernel_shape") ?? w.shape.slice(2);
  const s = a.ints("strides") ?? k.map(() => 1);
  const d = a.ints("dilations") ?? k.map(() => 1);
  const op = a.ints("output_padding") ?? k.map(() => 0);
  const group = a.int("group", 1);
  const y = nd === 1 ? F.convTranspose1d(x, w, null, { stride: s, dilation: d, groups: group }) : F.convTranspose2d(x, w, null, { stride: s, dilation: d, groups: group });
  // Full output, then crop/extend each spatial axis to ONNX's [begin, full - end + output_padding).
  const full = y.shape.slice(2);
  const outShape = a.ints("output_shape");
  const auto = a.string("auto_pad", "NOTSET");
  const pads = a.ints("pads") ?? [];
  const begin: number[] = [], end: number[] = [];
  for (let i = 0; i < nd; i++) {
    let pb = pads[i] ?? 0, pe = pads[i + nd] ?? 0;
    const target = outShape ? outShape[outShape.length - nd + i] : auto === "SAME_UPPER" || auto === "SAME_LOWER" ? x.shape[2 + i] * s[i] : undefined;
    if (target !== undefined) {
      const total = full[i] + op[i] - target;
      const half = Math.floor(total / 2);
      [pb, pe] = auto === "SAME_UPPER" ? [half, total - half] : [total - half, half];
    }
    begin.push(-pb);
    end.push(op[i] - pe);
  }
  let r = padSpatial(y, begin, end, 0);
  if (ins[2]) r = E.add(r, ins[2].reshape([1, -1, ...new Array<number>(nd).fill(1)]));
  return r;
}

function maxPool(ins: (Tensor | undefined)[], a: Attrs, nOut: number): Tensor {
  let x = need(ins, 0, "MaxPool");
  if (nOut > 1) a.fail("the Indices output of MaxPool is not supported");
  const { nd, k, s, d, b, e, sym } = spatialAttrs(a, x, undefined, "MaxPool");
  const ceilMode = a.int("ceil_mode", 0) === 1;
  const fits = sym && b.every((p, i) => p <= Math.floor(k[i] / 2));
  if (!fits) x = padSpatial(x, b, e, -Infinity);
  const opts = { stride: s, dilation: d, padding: fits ? b : 0, ceilMode };
  return nd === 1 ? F.maxPool1d(x, k, opts) : F.maxPool2d(x, k, opts);
}

function avgPool(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const x = need(ins, 0, "AveragePool");
  const { nd, k, s, b, e, sym } = spatialAttrs(a, x, undefined, "AveragePool");
  const ceilMode = a.int("ceil_mode", 0) === 1;
  const include = a.int("count_include_pad", 0) === 1;
  const pool = (t: Tensor, padding: number[] | number, cip: boolean) =>
    nd === 1 ? F.avgPool1d(t, k, { stride: s, padding, ceilMode, countIncludePad: cip }) : F.avgPool2d(t, k, { stride: s, padding, ceilMode, countIncludePad: cip });
  if (sym && b.every((p, i) => p <= Math.floor(k[i] / 2))) return pool(x, b, include);
  const xp = padSpatial(x, b, e, 0);
  if (include) return pool(xp, 0, true);
  // Exclude padding: average of the padded input over the average of a padded mask of ones.
  const mask = padSpatial(C.ones([1, 1, ...x.shape.slice(2)], { dtype: x.dtype }), b, e, 0);
  return E.div(pool(xp, 0, true), pool(mask, 0, true));
}

function spatialDims(x: Tensor): number[] {
  return x.shape.slice(2).map((_, i) => i + 2);
}

function layerNorm(ins: (Tensor | undefined)[], a: Attrs, nOut: number): Tensor | Tensor[] {
  const x = need(ins, 0, "LayerNormalization");
  const ax = a.int("axis", -1);
  const k = ax < 0 ? ax + x.ndim : ax;
  const eps = a.float("epsilon", 1e-5);
  const dims = x.shape.slice(k).map((_, i) => i + k);
  const mean = R.mean(x, dims, true);
  const xc = E.sub(x, mean);
  const inv = E.rsqrt(E.add(R.mean(E.mul(xc, xc), dims, true), eps));
  let y = E.mul(xc, inv);
  if (ins[1]) y = E.mul(y, ins[1]);
  if (ins[2]) y = E.add(y, ins[2]);
  return nOut > 1 ? [y, mean, inv] : y;
}

interface RnnSpec {
  gates: number;
  /** One step: (x·Wᵀ + Wb for this step, h, c, R for this direction, Rb, P) → [h, c]. */
  step: (xw: Tensor, h: Tensor, c: Tensor | null, r: Tensor, rb: Tensor | null, p: Tensor | null, a: Attrs) => [Tensor, Tensor | null];
  defaultActs: string[];
}

const lstm: RnnSpec = {
  gates: 4,
  defaultActs: ["Sigmoid", "Tanh", "Tanh"],
  step(xw, h, c, r, rb, p) {
    let g = E.add(xw, L.matmul(h, r.t()));
    if (rb) g = E.add(g, rb);
    const [gi, go, gf, gc] = S.chunk(g, 4, -1);
    const H = go.shape[go.ndim - 1];
    const [pi, po, pf] = p ? S.chunk(p, 3, 0) : [null, null, null];
    void H;
    const i = E.sigmoid(pi ? E.add(gi, E.mul(pi, c!)) : gi);
    const f = E.sigmoid(pf ? E.add(gf, E.mul(pf, c!)) : gf);
    const cNew = E.add(E.mul(f, c!), E.mul(i, E.tanh(gc)));
    const o = E.sigmoid(po ? E.add(go, E.mul(po, cNew)) : go);
    return [E.mul(o, E.tanh(cNew)), cNew];
  },
};

const gru: RnnSpec = {
  gates: 3,
  defaultActs: ["Sigmoid", "Tanh"],
  step(xw, h, _c, r, rb, _p, a) {
    const [xz, xr, xh] = S.chunk(xw, 3, -1);
    const [rz, rr, rh] = S.chunk(r, 3, 0);
    const [bz, br, bh] = rb ? S.chunk(rb, 3, 0) : [null, null, null];
    const lin = (w: Tensor, b: Tensor | null, v: Tensor) => (b ? E.add(L.matmul(v, w.t()), b) : L.matmul(v, w.t()));
    const z = E.sigmoid(E.add(xz, lin(rz, bz, h)));
    const rg = E.sigmoid(E.add(xr, lin(rr, br, h)));
    const hh = a.int("linear_before_reset", 0) ? E.tanh(E.add(xh, E.mul(rg, lin(rh, bh, h)))) : E.tanh(E.add(xh, lin(rh, bh, E.mul(rg, h))));
    return [E.add(E.mul(E.sub(1, z), hh), E.mul(z, h)), null];
  },
};

const rnn: RnnSpec = {
  gates: 1,
  defaultActs: ["Tanh"],
  step(xw, h, _c, r, rb) {
    let g = E.add(xw, L.matmul(h, r.t()));
    if (rb) g = E.add(g, rb);
    return [E.tanh(g), null];
  },
};

function recurrent(spec: RnnSpec, op: string): OpHandler {
  return (ins, a, ctx) => {
    const layout = a.int("layout", 0);
    let X = need(ins, 0, op);
    if (layout === 1) X = S.transpose(X, 0, 1);
    const W = need(ins, 1, op), Rw = need(ins, 2, op);
    const acts = a.raw("activations")?.strings?.map((s) => new TextDecoder().decode(s));
    if (acts && acts.some((s, i) => s !== spec.defaultActs[i % spec.defaultActs.length])) a.fail(`only the default activations (${spec.defaultActs}) are supported, got ${acts}`);
    if (a.has("clip")) a.fail("the clip attribute is not supported");
    if (a.int("input_forget", 0)) a.fail("input_forget is not supported");
    const [T, Bn] = X.shape;
    if (ins[4] && vals(ins[4]).some((v) => v !== T)) a.fail("sequence_lens shorter than the sequence are not supported");
    const D = W.shape[0];
    const Hs = Rw.shape[2];
    const G = spec.gates * Hs;
    const dir = a.string("direction", "forward");
    const ys: Tensor[] = [], hs: Tensor[] = [], cs: Tensor[] = [];
    for (let di = 0; di < D; di++) {
      const w = W.select(0, di), r = Rw.select(0, di);
      const bias = ins[3] ? ins[3].select(0, di) : null;
      let xw = L.matmul(X, w.t());
      if (bias) xw = E.add(xw, S.narrow(bias, 0, 0, G));
      const rb = bias ? S.narrow(bias, 0, G, G) : null;
      let h = ins[5] ? ins[5].select(0, di) : C.zeros([Bn, Hs], { dtype: X.dtype });
      let c: Tensor | null = spec === lstm ? (ins[6] ? ins[6].select(0, di) : C.zeros([Bn, Hs], { dtype: X.dtype })) : null;
      const p = spec === lstm && ins[7] ? ins[7].select(0, di) : null;
      const reverse = dir === "reverse" || (dir === "bidirectional" && di === 1);
      const outs = new Array<Tensor>(T);
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        [h, c] = spec.step(xw.select(0, t), h, c, r, rb, p, a);
        outs[t] = h;
      }
      ys.push(T > 0 ? S.stack(outs, 0) : C.zeros([0, Bn, Hs]));
      hs.push(h);
      if (c) cs.push(c);
    }
    let Y = S.stack(ys, 1); // [T, D, B, H]
    let Yh = S.stack(hs, 0); // [D, B, H]
    let Yc = cs.length ? S.stack(cs, 0) : undefined;
    if (layout === 1) {
      Y = S.permute(Y, [2, 0, 1, 3]);
      Yh = S.transpose(Yh, 0, 1);
      if (Yc) Yc = S.transpose(Yc, 0, 1);
    }
    void ctx;
    return [Y, Yh, Yc];
  };
}

export const nnOps: Record<string, OpHandler> = {
  Gemm: (ins, a) => gemm(ins, a),
  Conv: (ins, a) => conv(ins, a),
  ConvTranspose: (ins, a) => convTranspose(ins, a),
  MaxPool: (ins, a, ctx) => maxPool(ins, a, ctx.nOutputs),
  AveragePool: (ins, a) => avgPool(ins, a),
  GlobalAveragePool: (ins) => { const x = need(ins, 0, "GlobalAveragePool"); return R.mean(x, spatialDims(x), true); },
  GlobalMaxPool: (ins) => { const x = need(ins, 0, "GlobalMaxPool"); return R.amax(x, spatialDims(x), true); },
  BatchNormalization: (ins, a) => {
    if (a.int("training_mode", 0)) a.fail("training_mode=1 is not supported (export models in eval mode)");
    const x = need(ins, 0, "BatchNormalization");
    return F.batchNorm(x, need(ins, 3, "BatchNormalization"), need(ins, 4, "BatchNormalization"), ins[1], ins[2], { eps: a.float("epsilon", 1e-5), training: false });
  },
  LayerNormalization: (ins, a, ctx) => layerNorm(ins, a, ctx.nOutputs),
  InstanceNormalization: (ins, a) => F.instanceNorm(need(ins, 0, "InstanceNormalization"), null, null, ins[1], ins[2], { eps: a.float("epsilon", 1e-5) }),
  LSTM: recurrent(lstm, "LSTM"),
  GRU: recurrent(gru, "GRU"),
  RNN: recurrent(rnn, "RNN"),
};
