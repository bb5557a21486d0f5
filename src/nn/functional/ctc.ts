/**
 * `F.ctcLoss`: connectionist temporal classification. The log-space forward (alpha)
 * recursion runs over the whole batch at once on the extended label sequence
 * (blank, l1, blank, l2, ..., blank), built from differentiable tensor ops, so the
 * gradient (and even a second derivative) comes from autograd. "log 0" is a large
 * negative finite number so that unreachable states never produce inf - inf = NaN.
 */
import { Tensor, make } from "../../core/tensor.js";
import { isFloating } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { noGrad } from "../../core/autograd.js";
import { where } from "../../ops/elementwise.js";
import { pad } from "../../ops/pad.js";
import { assertTensor } from "../../ops/util.js";
import { FS } from "../../ops/nn/specs.js";
import type { PyArgs } from "../../ops/args.js";
import { readData } from "../../ops/data.js";

const NEG = -1e30; // log of zero probability, kept finite
const INF_LIMIT = 1e29; // a negative log-likelihood beyond this means "impossible"

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions {
  /** Index of the blank label (default 0). */
  blank?: number;
  /** "mean" (default: each loss divided by its target length, then averaged), "sum" or "none". */
  reduction?: "mean" | "sum" | "none";
  /** Replace infinite losses (impossible alignments) and their gradients by zero (default false). */
  zeroInfinity?: boolean;
}

function lengths(v: Tensor | readonly number[], n: number, what: string): number[] {
  const arr = v instanceof Tensor ? Array.from(readData(v) as ArrayLike<number>) : v.slice();
  if (arr.length !== n) throw new Error(`ctcLoss: ${what} must have one entry per batch element (${n}), got ${arr.length}`);
  return arr;
}

/** log(e^a + e^b + e^c) elementwise, stable. */
function lse3(a: Tensor, b: Tensor, c: Tensor): Tensor {
  const m = noGrad(() => a.maximum(b).maximum(c));
  return a.sub(m).exp().add(b.sub(m).exp()).add(c.sub(m).exp()).log().add(m);
}

/**
 * CTC loss of log-probabilities [T, N, C] (or [T, C]) against targets [N, S]
 * (padded) or 1-D concatenated, with per-sample input and target lengths.
 * @example F.ctcLoss(logits.logSoftmax(2), targets, inLens, tgtLens)
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Tensor | readonly number[],
  targetLengths: Tensor | readonly number[],
  ...args: PyArgs<CtcLossOptions, typeof FS.ctcLoss.names>
): Tensor {
  const opts = FS.ctcLoss.parse<CtcLossOptions>(args);
  assertTensor(logProbs, "ctcLoss", "logProbs");
  assertTensor(targets, "ctcLoss", "targets");
  const blank = opts.blank ?? 0;
  const reduction = opts.reduction ?? "mean";
  const unbatched = logProbs.ndim === 2;
  let lp = isFloating(logProbs.dtype) ? logProbs : logProbs.to("float32");
  if (unbatched) lp = lp.unsqueeze(1);
  if (lp.ndim !== 3) throw new Error(`ctcLoss: logProbs must be [T, N, C] or [T, C], got ${fmtShape(logProbs.shape)}`);
  const [T, N, C] = lp.shape;
  if (blank < 0 || blank >= C) throw new RangeError(`ctcLoss: blank ${blank} must be a class index in [0, ${C})`);
  const inLen = lengths(inputLengths, N, "inputLengths");
  const tgLen = lengths(targetLengths, N, "targetLengths");
  const td = readData(targets) as ArrayLike<number>;
  // Per-sample label sequences, from padded [N, S] or concatenated 1-D targets.
  const seqs: number[][] = [];
  const padded = targets.ndim === 2;
  let off = 0;
  for (let n = 0; n < N; n++) {
    const L = tgLen[n];
    if (inLen[n] < 0 || inLen[n] > T) throw new RangeError(`ctcLoss: inputLengths[${n}] = ${inLen[n]} must be in [0, ${T}] (T of logProbs ${fmtShape(logProbs.shape)})`);
    let s: number[];
    if (padded) {
      if (L < 0 || L > targets.shape[1]) throw new RangeError(`ctcLoss: targetLengths[${n}] = ${L} exceeds the padded target length ${targets.shape[1]}`);
      s = Array.from({ length: L }, (_, i) => td[n * targets.shape[1] + i]);
    } else {
      if (off + L > td.length) throw new RangeError(`ctcLoss: targetLengths sum past the ${td.length} concatenated targets`);
      s = Array.from({ length: L }, (_, i) => td[off + i]);
      off += L;
    }
    for (const v of s) if (v < 0 || v >= C) throw new RangeError(`ctcLoss: target label ${v} of sample ${n} is out of range [0, ${C})`);
    seqs.push(s);
  }
  const S = Math.max(0, ...tgLen);
  const Lx = 2 * S + 1;
  // Extended labels, skip-transition masks and the final-state indices.
  const ext = new Int32Array(N * Lx).fill(blank);
  const skip = new Uint8Array(N * Lx);
  const init = new Uint8Array(N * Lx);
  const fin = new Int32Array(N * 2);
  const finOk = new Uint8Array(N * 2);
  for (let n = 0; n < N; n++) {
    const s = seqs[n];
    for (let i = 0; i < s.length; i++) ext[n * Lx + 2 * i + 1] = s[i];
    for (let k = 2; k < Lx; k++) {
      if (k % 2 === 1 && ext[n * Lx + k] !== ext[n * Lx + k - 2]) skip[n * Lx + k] = 1;
    }
    init[n * Lx] = inLen[n] > 0 ? 1 : 0;
    if (s.length > 0) init[n * Lx + 1] = inLen[n] > 0 ? 1 : 0;
    fin[2 * n] = 2 * s.length;
    finOk[2 * n] = 1;
    fin[2 * n + 1] = Math.max(0, 2 * s.length - 1);
    finOk[2 * n + 1] = s.length > 0 ? 1 : 0;
  }
  const extT = make(ext, [1, N, Lx], "int32").expand([T, N, Lx]).contiguous();
  const lpExt = lp.gather(2, extT); // [T, N, Lx]
  const skipM = make(skip, [N, Lx], "bool");
  let alpha = where(make(init, [N, Lx], "bool"), lpExt.select(0, 0), NEG);
  for (let t = 1; t < T; t++) {
    const active = new Uint8Array(N);
    let any = false;
    for (let n = 0; n < N; n++) if (t < inLen[n]) { active[n] = 1; any = true; }
    if (!any) break;
    const a2 = pad(alpha, [1, -1], "constant", NEG);
    const a3 = where(skipM, pad(alpha, [2, -2], "constant", NEG), NEG);
    const next = lse3(alpha, a2, a3).add(lpExt.select(0, t));
    alpha = where(make(active, [N, 1], "bool"), next, alpha);
  }
  const ends = alpha.gather(1, make(fin, [N, 2], "int32"));
  const endsM = where(make(finOk, [N, 2], "bool"), ends, NEG);
  const m = noGrad(() => endsM.amax(1, true));
  let nll = endsM.sub(m).exp().sum(1).log().add(m.reshape([N])).neg();
  // Zero-length inputs only align with empty targets.
  const impossible = make(Uint8Array.from({ length: N }, (_, n) => (inLen[n] === 0 && tgLen[n] > 0 ? 1 : 0)), [N], "bool");
  const inf = noGrad(() => nll.gt(INF_LIMIT).logicalOr(impossible));
  nll = where(inf, opts.zeroInfinity ? 0 : Infinity, nll);
  if (reduction === "none") return unbatched ? nll.reshape([]) : nll;
  if (reduction === "sum") return nll.sum();
  if (reduction !== "mean") throw new Error(`ctcLoss: reduction must be "mean", "sum" or "none", got "${String(reduction)}"`);
  const div = make(Float64Array.from(tgLen, (l) => Math.max(l, 1)), [N], "float64").to(nll.dtype);
  return nll.div(div).mean();
}
