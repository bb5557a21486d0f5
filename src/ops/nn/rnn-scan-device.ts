/**
 * The recurrence of nn.RNN/LSTM/GRU for tensors on a device (WebGPU): step by step in
 * tensor ops (one matmul with W_hh per step, then the fused LSTM/GRU cell kernels), so
 * the whole sequence is encoded into the GPU's command batch without a CPU read. The
 * CPU path (rnn-scan.ts) is a hand-fused loop over TypedArray windows instead.
 */
import type { Tensor } from "../../core/tensor.js";
import { stack } from "../shape.js";
import { lstmCellStep, gruCellStep } from "./rnn-cells.js";
import { zeros } from "../creation.js";
import type { ScanArgs, ScanResult } from "./rnn-scan.js";
import "../linalg.js";
import "../elementwise.js";

/** One layer-direction on the device; see ScanArgs. Packed sequences and projections stay on the CPU path. */
export function scanOnDevice(a: ScanArgs): ScanResult {
  const { mode, xproj, whh, bhh, h0, c0, whr, bs, reverse } = a;
  const T = bs.length;
  if (whr) throw new Error(`LSTM: projSize on device "${xproj.device}" has no kernel path yet; run it on the CPU`);
  for (let t = 1; t < T; t++) {
    if (bs[t] !== bs[0]) throw new Error(`${mode}: packed (variable-length) sequences on device "${xproj.device}" have no kernel path yet; pad them, or run on the CPU`);
  }
  const B = T ? bs[0] : h0.shape[0];
  const G = whh.shape[0], H = whh.shape[0] / (mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1);
  const xp = xproj.reshape([T, B, G]);
  const wT = whh.t();
  let h = h0;
  let c = mode === "LSTM" ? (c0 ?? zeros([B, H], { dtype: xproj.dtype, device: xproj.device })) : null;
  const outs: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xt = xp.select(0, t);
    if (mode === "LSTM") {
      [h, c] = lstmCellStep(xt.add(h.matmul(wT)), c!);
    } else if (mode === "GRU") {
      let gh = h.matmul(wT);
      if (bhh) gh = gh.add(bhh);
      h = gruCellStep(xt, gh, h);
    } else {
      const pre = xt.add(h.matmul(wT));
      h = mode === "RNN_TANH" ? pre.tanh() : pre.relu();
    }
    outs[t] = h;
  }
  const out = T ? stack(outs, 0).reshape([T * B, h.shape[1]]) : xproj.narrow(1, 0, 0);
  return { out, hN: h, cN: c };
}
