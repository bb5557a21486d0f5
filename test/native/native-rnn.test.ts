// Native fused LSTM/GRU cell kernels against float64 values from the cell equations
// (PyTorch's gate order LSTM i, f, g, o; GRU r, z, n with r applied to W_hn h + b_hn),
// for hidden sizes below, at and around the 8-lane width, and absent incoming
// gradients. Skips without the addon or on CPUs without AVX2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon } from "../../src/backends/native/index.js";
import { randArray, rng } from "../backends/wasm-util.js";

const addon = await loadNativeAddon();
const skip = addon?.lstmCell && addon.rnnAddends ? false : "native addon unavailable, built before the cell kernels or their addends, or no AVX2";
const r = rng(8);
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const SHAPES = [[1, 1], [2, 3], [3, 8], [2, 13], [4, 32]];

function close(got: ArrayLike<number>, want: number[], msg: string, tol = 3e-6): void {
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${msg}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

test("native lstmCell: activations, c = f*c0 + i*g, h = o*tanh(c); with xAdd the pre-activations are gates + xAdd", { skip }, () => {
  for (const [n, H] of SHAPES) for (const withX of [false, true]) {
    const hw = randArray(r, n * 4 * H).map((v) => v * 6), c0 = randArray(r, n * H);
    const xAdd = withX ? randArray(r, n * 4 * H).map((v) => v * 2) : null;
    const pre = xAdd ? Array.from(hw, (v, i) => v + xAdd[i]) : hw;
    const gates = hw.slice(), h = new Float32Array(n * H), c = new Float32Array(n * H);
    addon!.lstmCell!(gates, c0, n, H, h, c, xAdd);
    const eAct: number[] = [], eC: number[] = [], eH: number[] = [];
    for (let b = 0; b < n; b++) {
      const at = (q: number, j: number) => pre[b * 4 * H + q * H + j];
      for (let q = 0; q < 4; q++) for (let j = 0; j < H; j++) eAct.push(q === 2 ? Math.tanh(at(q, j)) : sig(at(q, j)));
      for (let j = 0; j < H; j++) {
        const cc = sig(at(1, j)) * c0[b * H + j] + sig(at(0, j)) * Math.tanh(at(2, j));
        eC.push(cc);
        eH.push(sig(at(3, j)) * Math.tanh(cc));
      }
    }
    close(gates, eAct, `n${n} H${H} xAdd=${withX} act`); close(c, eC, `n${n} H${H} xAdd=${withX} c`); close(h, eH, `n${n} H${H} xAdd=${withX} h`);
  }
});

test("native lstmCellBackward: chain rule through h = o*tanh(c), c = f*c0 + i*g (gh/gc may be null; gh2 adds to gh)", { skip }, () => {
  for (const [n, H] of SHAPES) {
    for (const [useH, useC, useH2] of [[true, true, false], [true, false, false], [false, true, false], [true, true, true], [false, false, true]]) {
      const act = randArray(r, n * 4 * H).map((v) => (v + 1) / 2), c0 = randArray(r, n * H), c = randArray(r, n * H);
      const gh = useH ? randArray(r, n * H) : null, gc = useC ? randArray(r, n * H) : null, gh2 = useH2 ? randArray(r, n * H) : null;
      const dG = new Float32Array(n * 4 * H), dc0 = new Float32Array(n * H);
      addon!.lstmCellBackward!(act, c0, c, gh, gc, n, H, dG, dc0, gh2);
      const eG: number[] = new Array(n * 4 * H), eC: number[] = [];
      for (let b = 0; b < n; b++) {
        for (let j = 0; j < H; j++) {
          const a = (q: number) => act[b * 4 * H + q * H + j];
          const s = b * H + j, tc = Math.tanh(c[s]);
          const dh = (gh ? gh[s] : 0) + (gh2 ? gh2[s] : 0), dc = (gc ? gc[s] : 0) + dh * a(3) * (1 - tc * tc);
          eG[b * 4 * H + j] = dc * a(2) * a(0) * (1 - a(0));
          eG[b * 4 * H + H + j] = dc * c0[s] * a(1) * (1 - a(1));
          eG[b * 4 * H + 2 * H + j] = dc * a(0) * (1 - a(2) * a(2));
          eG[b * 4 * H + 3 * H + j] = dh * tc * a(3) * (1 - a(3));
          eC.push(dc * a(1));
        }
      }
      close(dG, eG, `n${n} H${H} gh${useH} gc${useC} gh2${useH2} dGates`); close(dc0, eC, `n${n} H${H} dcPrev`);
    }
  }
});

test("native gruCell: r, z, n = tanh(gx_n + r*gh_n), h = (1-z)*n + z*h0", { skip }, () => {
  for (const [n, H] of SHAPES) {
    const gx = randArray(r, n * 3 * H).map((v) => v * 4), gh = randArray(r, n * 3 * H).map((v) => v * 4), h0 = randArray(r, n * H);
    const h = new Float32Array(n * H), act = new Float32Array(n * 4 * H);
    addon!.gruCell!(gx, gh, h0, n, H, h, act);
    const eH: number[] = [], eAct: number[] = new Array(n * 4 * H);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < H; j++) {
        const x = (q: number) => gx[b * 3 * H + q * H + j], y = (q: number) => gh[b * 3 * H + q * H + j];
        const rr = sig(x(0) + y(0)), z = sig(x(1) + y(1)), m = Math.tanh(x(2) + rr * y(2));
        eAct[b * 4 * H + j] = rr; eAct[b * 4 * H + H + j] = z; eAct[b * 4 * H + 2 * H + j] = m; eAct[b * 4 * H + 3 * H + j] = y(2);
        eH.push((1 - z) * m + z * h0[b * H + j]);
      }
    }
    close(act, eAct, `n${n} H${H} act`); close(h, eH, `n${n} H${H} h`);
  }
});
