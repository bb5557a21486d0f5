/**
 * `F.linear` and `F.bilinear`. Leading dims are folded into the rows of one GEMM and
 * the weight is read transposed by the kernel (never materialised), forward and
 * backward alike.
 */
import { make, needsGrad, record, type Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { isFloating } from "../../core/dtype.js";
import { currentBackend } from "../../backends/backend.js";
import { fmtShape } from "../../core/shape.js";
import { gemm } from "../linalg.js";
import "../shape.js";
import "../elementwise.js";
import "../reduce.js";

/**
 * y = x Wᵀ + b for x [..., in], weight [out, in], bias [out] → [..., out].
 * @example const y = F.linear(x, w, b); // [B, 4] x [3, 4] → [B, 3]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2 && weight.ndim !== 1) {
    throw new Error(`linear: expected weight of 2 dims [out_features, in_features], got ${fmtShape(weight.shape)}`);
  }
  const inF = weight.shape[weight.ndim - 1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input ${fmtShape(x.shape)} does not match weight ${fmtShape(weight.shape)}: the last dim of the input must equal in_features = ${inF}`);
  }
  if (weight.ndim === 1) {
    // PyTorch allows a 1-D weight: a dot product over the last dim.
    let y = x.mul(weight).sum(-1);
    if (bias) y = y.add(bias);
    return y;
  }
  const outF = weight.shape[0];
  if (bias && (bias.numel() !== outF || bias.ndim > 1)) {
    throw new Error(`linear: bias of shape ${fmtShape(bias.shape)} does not match out_features = ${outF}`);
  }
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : x.reshape([-1, inF]);
  let y: Tensor;
  if (bias && bias.dtype === x.dtype && weight.dtype === x.dtype && isFloating(x.dtype)) y = affine(x2, weight, bias.reshape([outF]));
  else {
    y = gemm(x2, weight, false, true);
    if (bias) y = y.add(bias);
  }
  return x.ndim === 2 ? y : y.reshape([...lead, outF]);
}

/**
 * x Wᵀ + b as one node: the bias is added in place into the GEMM's output (no second
 * [rows, out] buffer), and the backward returns g W, gᵀ x and the column sums of g. Written
 * in differentiable ops, so createGraph (double backward) works through it.
 */
function affine(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const rows = x.shape[0], outF = w.shape[0];
  const y = noGrad(() => gemm(x, w, false, true));
  if (rows > 0 && outF > 0) currentBackend().binary("add", y._buf, [rows, outF], b._buf, [outF], y._buf, [rows, outF]);
  if (needsGrad(x, w, b)) {
    const out = make(y._storage, y.shape.slice(), y.dtype);
    record(out, "AddmmBackward", [x, w, b], (g) => [
      x.requiresGrad ? gemm(g, w, false, false) : null,
      w.requiresGrad ? gemm(g, x, true, false) : null,
      b.requiresGrad ? g.sum(0) : null,
    ], [x, w]);
    return out;
  }
  return y;
}

/**
 * y_k = x1ᵀ W_k x2 + b_k for x1 [..., in1], x2 [..., in2], weight [out, in1, in2],
 * bias [out] → [..., out].
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 3) throw new Error(`bilinear: expected weight of 3 dims [out, in1, in2], got ${fmtShape(weight.shape)}`);
  const [outF, in1, in2] = weight.shape;
  if (x1.shape[x1.ndim - 1] !== in1 || x2.shape[x2.ndim - 1] !== in2 || x1.ndim !== x2.ndim) {
    throw new Error(`bilinear: inputs ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)} do not match weight ${fmtShape(weight.shape)} (last dims must be ${in1} and ${in2}, leading dims equal)`);
  }
  const lead = x1.shape.slice(0, -1);
  const a = x1.reshape([-1, in1]);
  const b = x2.reshape([-1, in2]);
  // [N, in1] @ [in1, out*in2] → [N, out, in2], then contract in2 with x2.
  const w = weight.permute(1, 0, 2).reshape([in1, outF * in2]);
  const t = gemm(a, w, false, false).reshape([-1, outF, in2]);
  let y = t.mul(b.unsqueeze(1)).sum(-1);
  if (bias) y = y.add(bias);
  return y.reshape([...lead, outF]);
}
