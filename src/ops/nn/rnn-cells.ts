/**
 * The fused LSTM/GRU step ops the recurrent cells (nn.LSTMCell, nn.GRUCell in
 * src/nn/layers/rnn-cell-modules.ts) run on. A step op computes with the Backend's fused kernel
 * and records one node whose backward uses the saved gate activations; under
 * createGraph the backward is written with tensor ops instead, so higher-order
 * gradients work.
 */
import { Tensor, allocOn, make } from "../../core/tensor.js";
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
  const dtype = gates.dtype, dev = gates.device;
  // The kernel overwrites its gates argument with the activations the backward reads.
  const act = gates.detach().clone()._buf;
  const hc = make(allocOn(dev, dtype, 2 * n * H), [2, n, H], dtype);
  const h = hc.select(0, 0)._buf, c = hc.select(0, 1)._buf;
  currentBackend().lstmCell(act, cPrev.contiguous()._buf, n, H, h, c);
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
    const dG = make(allocOn(dev, dtype, n * 4 * H), [n, 4 * H], dtype), dcp = make(allocOn(dev, dtype, n * H), [n, H], dtype);
    const gc = g.contiguous();
    currentBackend().lstmCellBackward(act, cPrev.contiguous()._buf, c, gc.select(0, 0)._buf, gc.select(0, 1)._buf, n, H, dG._buf, dcp._buf);
    return [dG, dcp];
  }, [gates, cPrev]);
  return halves(hc);
}

/**
 * Fused GRU step: gx = x W_ihᵀ + b_ih and gh = h W_hhᵀ + b_hh ([n, 3H], gates r, z, n)
 * and hPrev [n, H] → h' [n, H] with PyTorch's n = tanh(gx_n + r ⊙ gh_n).
 */
export function gruCellStep(gx: Tensor, gh: Tensor, hPrev: Tensor): Tensor {
  const n = gx.shape[0], H = gx.shape[1] / 3;
  const dtype = gx.dtype, dev = gx.device;
  const act = make(allocOn(dev, dtype, n * 4 * H), [n, 4 * H], dtype)._buf;
  const out = make(allocOn(dev, dtype, n * H), [n, H], dtype);
  currentBackend().gruCell(gx._buf, gh._buf, hPrev._buf, n, H, out._buf, act);
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
    const dGx = make(allocOn(dev, dtype, n * 3 * H), [n, 3 * H], dtype), dGh = make(allocOn(dev, dtype, n * 3 * H), [n, 3 * H], dtype);
    const dh = make(allocOn(dev, dtype, n * H), [n, H], dtype);
    currentBackend().gruCellBackward(act, hPrev._buf, g._buf, n, H, dGx._buf, dGh._buf, dh._buf);
    return [dGx, dGh, dh];
  }, [gx, gh, hPrev]);
  return out;
}
