/**
 * The fused recurrence behind nn.RNN / nn.LSTM / nn.GRU: one autograd node runs a
 * whole layer-direction over time (the input projection for all steps is computed
 * before, by one GEMM). Per step: one GEMM h·W_hhᵀ on the active rows and one fused
 * gate kernel (Backend `lstmCell` / `gruCell`); the backward is back-propagation
 * through time with the saved activations, one GEMM per step for the state gradient,
 * and the weight gradients as single GEMMs over all steps. Under createGraph the
 * backward instead re-runs the recurrence composed from tensor ops and differentiates
 * that, so higher-order gradients work (slowly, as they are rare).
 *
 * Rows are in PackedSequence layout: step t owns rows offs[t] .. offs[t] + bs[t] of
 * the [N, ·] inputs/outputs, which are the first bs[t] (longest) sequences of the
 * batch. A padded batch is the special case bs[t] = B, offs[t] = t·B. Rows of the
 * state beyond bs[t] are left untouched, so each sequence's final state is the one
 * after its last valid step (and, reversed, each one starts from h0 at its own end).
 */
import { Tensor, make, record } from "../../core/tensor.js";
import { allocArray, allocUninit, type TypedArray } from "../../core/dtype.js";
import { currentBackend } from "../../backends/backend.js";
import "../shape.js";
import "../linalg.js";
import "../elementwise.js";
import "../reduce.js";
import * as ops from "../shape.js";
import { gradOfComposed, recordFused } from "../fused.js";
import { scanOnDevice } from "./rnn-scan-device.js";

/** Recurrence kinds, as PyTorch's `mode`. */
export type RnnMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** Gates per hidden unit of each mode. */
export const GATES: Record<RnnMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** Inputs of one layer-direction recurrence. */
export interface ScanArgs {
  mode: RnnMode;
  /** [N, G·H]: x·W_ihᵀ + b_ih (+ b_hh except for GRU). */
  xproj: Tensor;
  /** [G·H, P] (P = projSize or H). */
  whh: Tensor;
  /** [G·H] GRU's b_hh (it sits inside r ⊙ (W_hn h + b_hn)), else null. */
  bhh: Tensor | null;
  /** [Bt, P] initial state (Bt = bs[0]). */
  h0: Tensor;
  /** [Bt, H] LSTM initial cell state, else null. */
  c0: Tensor | null;
  /** [P, H] LSTM projection weight_hr, else null. */
  whr: Tensor | null;
  /** Active rows per step, non-increasing. */
  bs: Int32Array;
  reverse: boolean;
}

/** Outputs: out [N, P], hN [Bt, P], cN [Bt, H] (LSTM). */
export interface ScanResult {
  out: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

type Buf = TypedArray;

/** Row offsets of each step in PackedSequence layout. */
function offsets(bs: Int32Array): Int32Array {
  const offs = new Int32Array(bs.length + 1);
  for (let t = 0; t < bs.length; t++) offs[t + 1] = offs[t] + bs[t];
  return offs;
}

/**
 * Views of one flat tensor: each part shares storage with `all`; the gradient of a
 * part is placed into zeros the size of `all` (the engine sums the parts), so one
 * autograd node can have several outputs.
 */
function splitOutputs(all: Tensor, shapes: number[][]): Tensor[] {
  const res: Tensor[] = [];
  let off = 0;
  for (const shape of shapes) {
    let n = 1;
    for (const s of shape) n *= s;
    const start = off;
    const part = new Tensor(all._data.subarray(start, start + n), shape, all.dtype, all._version);
    recordFused(part, "UnbindBackward", [all], (g) => {
      // Differentiable form (createGraph): pad with zeros by cat.
      const parts: Tensor[] = [];
      const before = start, after = all.numel() - start - n;
      if (before) parts.push(make(allocArray(g.dtype, before), [before], g.dtype));
      parts.push(g.reshape([n]));
      if (after) parts.push(make(allocArray(g.dtype, after), [after], g.dtype));
      return [parts.length === 1 ? parts[0] : ops.cat(parts, 0)];
    }, (g) => {
      const d = allocArray(g.dtype, all.numel());
      d.set(g._data, start);
      return [make(d, [all.numel()], g.dtype)];
    });
    res.push(part);
    off += n;
  }
  return res;
}

/** Runs one layer-direction; see the file header for the row layout. */
export function scan(a: ScanArgs): ScanResult {
  if (a.xproj.device !== "cpu") return scanOnDevice(a);
  const { mode, xproj, whh, bhh, h0, c0, whr, bs, reverse } = a;
  const dtype = xproj.dtype;
  const T = bs.length, offs = offsets(bs), N = offs[T];
  const Bt = T ? bs[0] : h0.shape[0];
  const G = GATES[mode];
  const GH = whh.shape[0], H = GH / G, P = whh.shape[1];
  const be = currentBackend();
  const lstm = mode === "LSTM", gru = mode === "GRU";
  // Every buffer below is written in full before it is read (each row of N belongs to
  // exactly one step), so none needs zeroing: at the bench LSTM's size that is ~7 MB of
  // memset per training step saved.
  const alloc = (n: number): Buf => allocUninit(dtype, n);

  // Saved for the backward.
  const hPrevAll = alloc(N * P);
  const act = alloc(N * (lstm || gru ? 4 * H : H)); // LSTM i,f,g,o; GRU r,z,n,gh_n; RNN h'
  const cPrevAll = lstm ? alloc(N * H) : null;
  const cAll = lstm ? alloc(N * H) : null;
  const hRawAll = lstm && whr ? alloc(N * H) : null;

  // Output layout: out [N, P] then hN [Bt, P] then cN [Bt, H].
  const all = alloc(N * P + Bt * P + (lstm ? Bt * H : 0));
  const out = all.subarray(0, N * P);
  const h = all.subarray(N * P, N * P + Bt * P);
  const c = lstm ? all.subarray(N * P + Bt * P) : null;
  h.set(h0._data);
  if (c) { if (c0) c.set(c0._data); else c.fill(0); }

  const tmp = alloc(Bt * GH);
  const gxTmp = gru ? alloc(Bt * GH) : null;
  const hRaw = lstm && whr ? alloc(Bt * H) : null;
  const hNew = alloc(Bt * Math.max(H, P));
  const W = whh._data, xp = xproj._data;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = bs[t], o = offs[t];
    if (n === 0) continue;
    hPrevAll.set(h.subarray(0, n * P), o * P);
    const gates = tmp.subarray(0, n * GH);
    be.matmul(h.subarray(0, n * P), W, gates, 1, n, GH, P, false, true, 0, 0);
    if (gru) {
      if (bhh) {
        const bb = bhh._data;
        for (let r = 0; r < n; r++) for (let j = 0; j < GH; j++) gates[r * GH + j] += bb[j];
      }
      const gx = gxTmp!.subarray(0, n * GH);
      gx.set(xp.subarray(o * GH, (o + n) * GH));
      const aRow = act.subarray(o * 4 * H, (o + n) * 4 * H);
      be.gruCell(gx, gates, h, n, H, hNew, aRow);
      h.set(hNew.subarray(0, n * H));
    } else {
      const x = xp.subarray(o * GH, (o + n) * GH);
      if (lstm) {
        cPrevAll!.set(c!.subarray(0, n * H), o * H);
        const cNew = cAll!.subarray(o * H, (o + n) * H);
        // The cell adds the input projection x itself (a JS loop over the gates cost ~2 ns an element).
        be.lstmCell(gates, c!, n, H, hRaw ? hRaw : hNew, cNew, x);
        act.set(gates, o * 4 * H);
        c!.set(cNew);
        if (hRaw) {
          hRawAll!.set(hRaw.subarray(0, n * H), o * H);
          be.matmul(hRaw.subarray(0, n * H), whr!._data, hNew.subarray(0, n * P), 1, n, P, H, false, true, 0, 0);
        }
        h.set(hNew.subarray(0, n * P));
      } else if (mode === "RNN_TANH") {
        for (let i = 0; i < n * H; i++) h[i] = Math.tanh(gates[i] + x[i]);
      } else {
        for (let i = 0; i < n * H; i++) { const v = gates[i] + x[i]; h[i] = v > 0 ? v : 0; }
      }
      if (!lstm) act.set(h.subarray(0, n * H), o * H);
    }
    out.set(h.subarray(0, n * P), o * P);
  }

  const allT = make(all, [all.length], dtype);
  const inputs = [xproj, whh, bhh, h0, c0, whr].filter((x): x is Tensor => x !== null);
  const idx = { whh: 1, bhh: bhh ? 2 : -1, h0: bhh ? 3 : 2, c0: -1, whr: -1 };
  let k = idx.h0 + 1;
  if (c0) idx.c0 = k++;
  if (whr) idx.whr = k++;
  recordFused(allT, `${mode === "LSTM" ? "Lstm" : mode === "GRU" ? "Gru" : "Rnn"}ScanBackward`, inputs, (gAll) => composedBackward(a, inputs, gAll, [N, P, Bt, H]), (gAll) => {
    const g = gAll._data;
    const gOut = g.subarray(0, N * P);
    const dh = alloc(Bt * P);
    dh.set(g.subarray(N * P, N * P + Bt * P));
    const dc = lstm ? alloc(Bt * H) : null;
    if (dc) dc.set(g.subarray(N * P + Bt * P));
    const dG = alloc(N * GH); // gradient of xproj
    const dGh = gru ? alloc(N * GH) : null; // GRU: gradient of h·W_hhᵀ + b_hh
    const dHAll = hRawAll ? alloc(N * P) : null;
    const dRaw = hRawAll ? alloc(Bt * H) : null;
    const dcPrev = lstm ? alloc(Bt * H) : null;
    const dhDirect = gru ? alloc(Bt * H) : null;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const n = bs[t], o = offs[t];
      if (n === 0) continue;
      const go = gOut.subarray(o * P, (o + n) * P);
      // Without a projection the LSTM cell sums dh and the output's gradient itself.
      const fold = lstm && !dHAll;
      if (!fold) for (let i = 0; i < n * P; i++) dh[i] += go[i];
      const dGt = dG.subarray(o * GH, (o + n) * GH);
      if (lstm) {
        let ghRaw: Buf = dh;
        if (dHAll) {
          dHAll.set(dh.subarray(0, n * P), o * P);
          be.matmul(dh.subarray(0, n * P), whr!._data, dRaw!.subarray(0, n * H), 1, n, H, P, false, false, 0, 0);
          ghRaw = dRaw!;
        }
        be.lstmCellBackward(act.subarray(o * 4 * H, (o + n) * 4 * H), cPrevAll!.subarray(o * H, (o + n) * H),
          cAll!.subarray(o * H, (o + n) * H), ghRaw, dc, n, H, dGt, dcPrev!, fold ? go : null);
        dc!.set(dcPrev!.subarray(0, n * H));
        be.matmul(dGt, W, dh.subarray(0, n * P), 1, n, P, GH, false, false, 0, 0);
      } else if (gru) {
        const dGht = dGh!.subarray(o * GH, (o + n) * GH);
        be.gruCellBackward(act.subarray(o * 4 * H, (o + n) * 4 * H), hPrevAll.subarray(o * P, (o + n) * P), dh, n, H, dGt, dGht, dhDirect!);
        be.matmul(dGht, W, dh.subarray(0, n * P), 1, n, P, GH, false, false, 0, 0);
        for (let i = 0; i < n * H; i++) dh[i] += dhDirect![i];
      } else {
        const hv = act.subarray(o * H, (o + n) * H);
        if (mode === "RNN_TANH") for (let i = 0; i < n * H; i++) dGt[i] = dh[i] * (1 - hv[i] * hv[i]);
        else for (let i = 0; i < n * H; i++) dGt[i] = hv[i] > 0 ? dh[i] : 0;
        be.matmul(dGt, W, dh.subarray(0, n * P), 1, n, P, GH, false, false, 0, 0);
      }
    }
    const grads: (Tensor | null)[] = new Array(inputs.length).fill(null);
    grads[0] = make(dG, xproj.shape.slice(), dtype);
    const dGhh = dGh ?? dG;
    if (whh.requiresGrad) {
      const dW = alloc(GH * P);
      be.matmul(dGhh, hPrevAll, dW, 1, GH, P, N, true, false, 0, 0);
      grads[idx.whh] = make(dW, [GH, P], dtype);
    }
    if (bhh && bhh.requiresGrad) {
      const db = alloc(GH);
      be.reduce("sum", dGhh, 1, N, GH, db);
      grads[idx.bhh] = make(db, [GH], dtype);
    }
    grads[idx.h0] = make(dh, h0.shape.slice(), dtype);
    if (c0) grads[idx.c0] = make(dc!, c0.shape.slice(), dtype);
    if (whr && whr.requiresGrad) {
      const dWr = alloc(P * H);
      be.matmul(dHAll!, hRawAll!, dWr, 1, P, H, N, true, false, 0, 0);
      grads[idx.whr] = make(dWr, [P, H], dtype);
    }
    return grads;
  });
  const shapes = [[N, P], [Bt, P]];
  if (lstm) shapes.push([Bt, H]);
  const parts = splitOutputs(allT, shapes);
  return { out: parts[0], hN: parts[1], cN: lstm ? parts[2] : null };
}

/**
 * The recurrence written with tensor ops (same row layout), so its graph can be
 * differentiated again. Only used by the createGraph backward of `scan`.
 */
function composedScan(a: ScanArgs, xproj: Tensor, whh: Tensor, bhh: Tensor | null, h0: Tensor, c0: Tensor | null, whr: Tensor | null): Tensor[] {
  const { mode, bs, reverse } = a;
  const T = bs.length, offs = offsets(bs);
  const Bt = h0.shape[0];
  let h = h0, c = c0;
  const outs: Tensor[] = new Array(T);
  const keep = (next: Tensor, prev: Tensor, n: number) => (n === Bt ? next : ops.cat([next, prev.narrow(0, n, Bt - n)], 0));
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = bs[t];
    const x = xproj.narrow(0, offs[t], n);
    const hp = h.narrow(0, 0, n);
    let hh = hp.matmul(whh.t());
    let hn: Tensor;
    if (mode === "GRU") {
      if (bhh) hh = hh.add(bhh);
      const [xr, xz, xn] = x.chunk(3, 1), [hr, hz, hnn] = hh.chunk(3, 1);
      const r = xr.add(hr).sigmoid(), z = xz.add(hz).sigmoid();
      const m = xn.add(r.mul(hnn)).tanh();
      hn = m.add(z.mul(hp.sub(m)));
    } else if (mode === "LSTM") {
      const [i, f, g, o] = x.add(hh).chunk(4, 1);
      const cn = f.sigmoid().mul(c!.narrow(0, 0, n)).add(i.sigmoid().mul(g.tanh()));
      hn = o.sigmoid().mul(cn.tanh());
      if (whr) hn = hn.matmul(whr.t());
      c = keep(cn, c!, n);
    } else {
      const pre = x.add(hh);
      hn = mode === "RNN_TANH" ? pre.tanh() : pre.relu();
    }
    outs[t] = hn;
    h = keep(hn, h, n);
  }
  const res = [ops.cat(outs, 0), h];
  if (c) res.push(c);
  return res;
}

/** createGraph backward of `scan`: differentiates the composed recurrence (re-run from the saved inputs). */
function composedBackward(a: ScanArgs, inputs: Tensor[], gAll: Tensor, dims: number[]): (Tensor | null)[] {
  const [N, P, Bt] = dims;
  const gs = [gAll.narrow(0, 0, N * P).reshape([N, P]), gAll.narrow(0, N * P, Bt * P).reshape([Bt, P])];
  // Past the outputs and h: the final cell state [Bt, H] (LSTM only).
  const rest = gAll.numel() - N * P - Bt * P;
  if (rest > 0) gs.push(gAll.narrow(0, N * P + Bt * P, rest).reshape([Bt, rest / Bt]));
  return gradOfComposed(inputs, (wrapped) => {
    const byName = (t: Tensor | null) => (t === null ? null : wrapped[inputs.indexOf(t)]);
    return composedScan(a, wrapped[0], byName(a.whh)!, byName(a.bhh), byName(a.h0)!, byName(a.c0), byName(a.whr));
  }, gs);
}
