/**
 * The fused LSTM/GRU step ops the recurrent cells (nn.LSTMCell, nn.GRUCell in
 * src/nn/layers/rnn-cell-modules.ts) run on. A step op computes with the Backend's fused kernel
 * and records one node whose backward uses the saved gate activations; under
 * createGraph the backward is written with tensor ops instead, so higher-order
 * gradients work.
 */
import { Tensor, make } from "../../core/tensor.js";
import { allocArray } from "../../core/dtype.js";
import { currentBackend } from "../../backends/backend.js";
import { cat } from "../shape.js";
import { recordFused } from "../fused.js";
import "../elementwise.js";

/** Splits a [2, n, H] tensor into its two [n, H] halves (differentiable). */
function halves(hc: Tensor): [Tensor, Tensor] {
  return [hc.select(0, 0), hc.select(0, 1)];
}

/**
 * Fused LSTM step: gates [n, 4H] (pre-activations i, f, g, o) and cPrev [n, H] →
 * [h, c], each [n, H]. One Backend `lstmCell` call forward, one `lstmCellBackward` back.
 */
export function lstmCellStep(gates: Tensor, cPrev: Tensor): [Tensor, Tensor] {
  const n = gates.shape[0], H = gates.shape[1] / 4;
  const dtype = gates.dtype;
  const act = allocArray(dtype, n * 4 * H);
  act.set(gates._data);
  const hc = make(allocArray(dtype, 2 * n * H), [2, n, H], dtype);
  const h = hc._data.subarray(0, n * H), c = hc._data.subarray(n * H);
  currentBackend().lstmCell(act, cPrev._data, n, H, h, c);
  recordFused(hc, "LstmCellBackward", [gates, cPrev], (g) => {
    // Differentiable form: activations recomputed from the saved inputs.
    const [gh, gc] = halves(g);
    const [i, f, gg, o] = gates.chunk(4, 1);
    const si = i.sigmoid(), sf = f.sigmoid(), tg = gg.tanh(), so = o.sigmoid();
    const tc = sf.mul(cPrev).add(si.mul(tg)).tanh();
    const dc = gc.add(gh.mul(so).mul(tc.square().neg().add(1)));
    const dGates = cat([
      dc.mul(tg).mul(si).mul(si.neg().add(1)),
      dc.mul(cPrev).mul(sf).mul(sf.neg().add(1)),
      dc.mul(si).mul(tg.square().neg().add(1)),
      gh.mul(tc).mul(so).mul(so.neg().add(1)),
    ], 1);
    return [dGates, dc.mul(sf)];
  }, (g) => {
    const dG = allocArray(dtype, n * 4 * H), dcp = allocArray(dtype, n * H);
    const gd = g._data;
    currentBackend().lstmCellBackward(act, cPrev._data, c, gd.subarray(0, n * H), gd.subarray(n * H), n, H, dG, dcp);
    return [make(dG, [n, 4 * H], dtype), make(dcp, [n, H], dtype)];
  }, [gates, cPrev]);
  return halves(hc);
}

/**
 * Fused GRU step: gx = x W_ihᵀ + b_ih and gh = h W_hhᵀ + b_hh ([n, 3H], gates r, z, n)
 * and hPrev [n, H] → h' [n, H] with PyTorch's n = tanh(gx_n + r ⊙ gh_n).
 */
export function gruCellStep(gx: Tensor, gh: Tensor, hPrev: Tensor): Tensor {
  const n = gx.shape[0], H = gx.shape[1] / 3;
  const dtype = gx.dtype;
  const act = allocArray(dtype, n * 4 * H);
  const out = make(allocArray(dtype, n * H), [n, H], dtype);
  currentBackend().gruCell(gx._data, gh._data, hPrev._data, n, H, out._data, act);
  recordFused(out, "GruCellBackward", [gx, gh, hPrev], (g) => {
    const [xr, xz, xn] = gx.chunk(3, 1);
    const [hr, hz, hn] = gh.chunk(3, 1);
    const r = xr.add(hr).sigmoid(), z = xz.add(hz).sigmoid();
    const m = xn.add(r.mul(hn)).tanh();
    const dm = g.mul(z.neg().add(1)).mul(m.square().neg().add(1));
    const dz = g.mul(hPrev.sub(m)).mul(z).mul(z.neg().add(1));
    const dr = dm.mul(hn).mul(r).mul(r.neg().add(1));
    return [cat([dr, dz, dm], 1), cat([dr, dz, dm.mul(r)], 1), g.mul(z)];
  }, (g) => {
    const dGx = allocArray(dtype, n * 3 * H), dGh = allocArray(dtype, n * 3 * H), dh = allocArray(dtype, n * H);
    currentBackend().gruCellBackward(act, hPrev._data, g._data, n, H, dGx, dGh, dh);
    return [make(dGx, [n, 3 * H], dtype), make(dGh, [n, 3 * H], dtype), make(dh, [n, H], dtype)];
  }, [gx, gh, hPrev]);
  return out;
}
