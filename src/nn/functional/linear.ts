/**
 * `F.linear` and `F.bilinear`. Leading dims are folded into the rows of one GEMM and
 * the weight is read transposed by the kernel (never materialised), forward and
 * backward alike.
 */
import type { Tensor } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { gemm } from "../../ops/linalg.js";
import "../../ops/shape.js";
import "../../ops/elementwise.js";
import "../../ops/reduce.js";

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
  let y = gemm(x2, weight, false, true);
  if (bias) y = y.add(bias);
  return x.ndim === 2 ? y : y.reshape([...lead, outF]);
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
