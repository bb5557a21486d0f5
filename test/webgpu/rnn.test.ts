// LSTM and GRU cells (forward and backward) on the GPU against the JS reference
// kernels, with and without the optional operands (xAdd, gh, gc, gh2).
import { test } from "node:test";
import { webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from "../../src/backends/js/rnn.js";
import { close, randn, skip } from "./gpu-test-util.js";

const n = 5, H = 37;

test("webgpu lstmCell forward and backward equal the CPU kernels", { skip }, async () => {
  for (const withAdd of [false, true]) {
    const gates = randn(4 * n * H), cPrev = randn(n * H), xAdd = randn(4 * n * H);
    const act = gates.slice(), h = new Float32Array(n * H), c = new Float32Array(n * H);
    lstmCell(act, cPrev, n, H, h, c, withAdd ? xAdd : null);
    const gb = K.upload(gates);
    const out = K.lstmCell(gb, K.upload(cPrev), n, H, withAdd ? K.upload(xAdd) : null);
    close(await K.readFloat32(gb, act.length), act, 1e-5, 1e-6, `activations add=${withAdd}`);
    close(await K.readFloat32(out.h, n * H), h, 1e-5, 1e-6, "h");
    close(await K.readFloat32(out.c, n * H), c, 1e-5, 1e-6, "c");
    const gh = randn(n * H), gc = randn(n * H), gh2 = randn(n * H);
    for (const [useH, useC, use2] of [[true, true, false], [true, false, true], [false, true, false]]) {
      const dG = new Float32Array(4 * n * H), dc = new Float32Array(n * H);
      lstmCellBackward(act, cPrev, c, useH ? gh : null, useC ? gc : null, n, H, dG, dc, use2 ? gh2 : null);
      const r = K.lstmCellBackward(gb, K.upload(cPrev), out.c, useH ? K.upload(gh) : null, useC ? K.upload(gc) : null, n, H, use2 ? K.upload(gh2) : null);
      close(await K.readFloat32(r.dGates, dG.length), dG, 1e-4, 1e-5, `dGates ${useH}/${useC}/${use2}`);
      close(await K.readFloat32(r.dcPrev, dc.length), dc, 1e-4, 1e-5, `dcPrev ${useH}/${useC}/${use2}`);
    }
  }
});

test("webgpu gruCell forward and backward equal the CPU kernels", { skip }, async () => {
  const gx = randn(3 * n * H), gh = randn(3 * n * H), hPrev = randn(n * H), gOut = randn(n * H);
  const h = new Float32Array(n * H), act = new Float32Array(4 * n * H);
  gruCell(gx, gh, hPrev, n, H, h, act);
  const hb = K.upload(hPrev);
  const out = K.gruCell(K.upload(gx), K.upload(gh), hb, n, H);
  close(await K.readFloat32(out.h, n * H), h, 1e-5, 1e-6, "h");
  close(await K.readFloat32(out.act, act.length), act, 1e-5, 1e-6, "act");
  const dGx = new Float32Array(3 * n * H), dGh = new Float32Array(3 * n * H), dh = new Float32Array(n * H);
  gruCellBackward(act, hPrev, gOut, n, H, dGx, dGh, dh);
  const r = K.gruCellBackward(out.act, hb, K.upload(gOut), n, H);
  close(await K.readFloat32(r.dGx, dGx.length), dGx, 1e-4, 1e-5, "dGx");
  close(await K.readFloat32(r.dGh, dGh.length), dGh, 1e-4, 1e-5, "dGh");
  close(await K.readFloat32(r.dhPrev, dh.length), dh, 1e-5, 1e-6, "dhPrev");
});
