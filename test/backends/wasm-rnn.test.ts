// wasm fused recurrent cells vs float64 formulas written from PyTorch's LSTM/GRU
// definitions (gate order i, f, g, o / r, z, n), hidden sizes that are and are not
// multiples of the SIMD width, and null incoming gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { randArray, rng } from "./wasm-util.js";

const w = wasmBackend();
setWasmRouting("always");
const skip = w ? false : "wasm unavailable in this runtime";
const r = rng(5);
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const TOL = 2e-6;

function close(got: Float32Array, exp: number[], msg: string): void {
  assert.equal(got.length, exp.length, `${msg}: length`);
  for (let i = 0; i < exp.length; i++) {
    assert.ok(Math.abs(got[i] - exp[i]) <= TOL * (1 + Math.abs(exp[i])), `${msg} [${i}]: got ${got[i]}, expected ${exp[i]}`);
  }
}

const SHAPES = [[1, 1], [2, 3], [5, 4], [3, 13], [2, 32]];

test("wasm lstmCell: activations, c = f*c0 + i*g, h = o*tanh(c); with xAdd the pre-activations are gates + xAdd", { skip }, () => {
  for (const [n, H] of SHAPES) for (const withX of [false, true]) {
    const hw = randArray(r, n * 4 * H).map((v) => v * 4), c0 = randArray(r, n * H);
    const xAdd = withX ? randArray(r, n * 4 * H).map((v) => v * 2) : null;
    const pre = xAdd ? Array.from(hw, (v, i) => v + xAdd[i]) : hw;
    const gates = hw.slice(), h = new Float32Array(n * H), c = new Float32Array(n * H);
    w!.lstmCell(gates, c0, n, H, h, c, xAdd);
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
    close(gates, eAct, `n${n} H${H} xAdd=${withX} activations`);
    close(c, eC, `n${n} H${H} xAdd=${withX} c`);
    close(h, eH, `n${n} H${H} xAdd=${withX} h`);
  }
});

test("wasm lstmCellBackward: chain rule through h = o*tanh(c), c = f*c0 + i*g (gh/gc may be null; gh2 adds to gh)", { skip }, () => {
  for (const [n, H] of SHAPES) {
    for (const [useH, useC, useH2] of [[true, true, false], [true, false, false], [false, true, false], [true, true, true], [false, false, true]]) {
      const act = randArray(r, n * 4 * H).map((v) => (v + 1) / 2), c0 = randArray(r, n * H), c = randArray(r, n * H);
      const gh = useH ? randArray(r, n * H) : null, gc = useC ? randArray(r, n * H) : null, gh2 = useH2 ? randArray(r, n * H) : null;
      const dG = new Float32Array(n * 4 * H), dc0 = new Float32Array(n * H);
      w!.lstmCellBackward(act, c0, c, gh, gc, n, H, dG, dc0, gh2);
      const eG: number[] = [], eC: number[] = [];
      for (let b = 0; b < n; b++) {
        const row: number[][] = [[], [], [], []];
        for (let j = 0; j < H; j++) {
          const i = act[b * 4 * H + j], f = act[b * 4 * H + H + j], g = act[b * 4 * H + 2 * H + j], o = act[b * 4 * H + 3 * H + j];
          const t = Math.tanh(c[b * H + j]);
          const dh = (gh ? gh[b * H + j] : 0) + (gh2 ? gh2[b * H + j] : 0);
          const dc = (gc ? gc[b * H + j] : 0) + dh * o * (1 - t * t);
          row[0].push(dc * g * i * (1 - i));
          row[1].push(dc * c0[b * H + j] * f * (1 - f));
          row[2].push(dc * i * (1 - g * g));
          row[3].push(dh * t * o * (1 - o));
          eC.push(dc * f);
        }
        eG.push(...row[0], ...row[1], ...row[2], ...row[3]);
      }
      close(dG, eG, `n${n} H${H} dGates gh=${useH} gc=${useC} gh2=${useH2}`);
      close(dc0, eC, `n${n} H${H} dcPrev`);
    }
  }
});

test("wasm gruCell: r, z, n = tanh(x_n + r*h_n), h' = (1-z)*n + z*h", { skip }, () => {
  for (const [n, H] of SHAPES) {
    const gx = randArray(r, n * 3 * H).map((v) => v * 3), gh = randArray(r, n * 3 * H).map((v) => v * 3), h0 = randArray(r, n * H);
    const h = new Float32Array(n * H), act = new Float32Array(n * 4 * H);
    w!.gruCell(gx, gh, h0, n, H, h, act);
    const eH: number[] = [], eA: number[] = [];
    for (let b = 0; b < n; b++) {
      const x = (q: number, j: number) => gx[b * 3 * H + q * H + j], y = (q: number, j: number) => gh[b * 3 * H + q * H + j];
      const rs: number[] = [], zs: number[] = [], ms: number[] = [], hn: number[] = [];
      for (let j = 0; j < H; j++) {
        const rr = sig(x(0, j) + y(0, j)), z = sig(x(1, j) + y(1, j)), m = Math.tanh(x(2, j) + rr * y(2, j));
        rs.push(rr); zs.push(z); ms.push(m); hn.push(y(2, j));
        eH.push((1 - z) * m + z * h0[b * H + j]);
      }
      eA.push(...rs, ...zs, ...ms, ...hn);
    }
    close(h, eH, `n${n} H${H} h'`);
    close(act, eA, `n${n} H${H} saved activations`);
  }
});
