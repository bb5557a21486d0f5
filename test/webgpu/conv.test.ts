// conv2d's three implicit-GEMM passes on the GPU against a float64 loop over the
// definition, with stride, padding, dilation, groups and depthwise geometry.
import { test } from "node:test";
import { webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import type { ConvGeom } from "../../src/backends/backend.js";
import { close, randn, skip } from "./gpu-test-util.js";

interface Case { n: number; C: number; H: number; W: number; O: number; k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; groups: number }

function geom(c: Case): ConvGeom {
  const oH = Math.floor((c.H + 2 * c.p[0] - c.d[0] * (c.k[0] - 1) - 1) / c.s[0]) + 1;
  const oW = Math.floor((c.W + 2 * c.p[1] - c.d[1] * (c.k[1] - 1) - 1) / c.s[1]) + 1;
  return { C: c.C, H: c.H, W: c.W, kH: c.k[0], kW: c.k[1], padT: c.p[0], padL: c.p[1], sH: c.s[0], sW: c.s[1], dH: c.d[0], dW: c.d[1], oH, oW };
}

/** Calls f(img, o, oh, ow, c, ki, kj, xIndex) for every term of the convolution sum that reads inside the input. */
function forEachTerm(c: Case, g: ConvGeom, f: (yi: number, wi: number, xi: number) => void): void {
  const Cg = c.C / c.groups, Og = c.O / c.groups;
  for (let img = 0; img < c.n; img++) for (let o = 0; o < c.O; o++) for (let oh = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++) {
    const grp = Math.floor(o / Og);
    for (let ci = 0; ci < Cg; ci++) for (let ki = 0; ki < g.kH; ki++) for (let kj = 0; kj < g.kW; kj++) {
      const ih = oh * g.sH - g.padT + ki * g.dH, iw = ow * g.sW - g.padL + kj * g.dW;
      if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) continue;
      const yi = ((img * c.O + o) * g.oH + oh) * g.oW + ow;
      const wi = ((o * Cg + ci) * g.kH + ki) * g.kW + kj;
      const xi = ((img * c.C + grp * Cg + ci) * g.H + ih) * g.W + iw;
      f(yi, wi, xi);
    }
  }
}

const CASES: Case[] = [
  { n: 2, C: 3, H: 9, W: 7, O: 5, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1], groups: 1 },
  { n: 1, C: 4, H: 11, W: 10, O: 6, k: [3, 2], s: [2, 3], p: [2, 0], d: [2, 1], groups: 2 },
  { n: 2, C: 3, H: 11, W: 10, O: 5, k: [3, 2], s: [2, 3], p: [2, 0], d: [2, 1], groups: 1 }, // explicit columns on CPU adapters
  { n: 3, C: 8, H: 6, W: 6, O: 8, k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1], groups: 8 }, // depthwise
  { n: 2, C: 70, H: 5, W: 5, O: 66, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], groups: 1 }, // 1x1, past one 64 tile
];

test("webgpu conv2d: forward, input gradient and weight gradient equal the definition, in both GEMM forms", { skip }, async () => {
  for (const style of ["tiled", "direct"] as const) for (const c of CASES) {
    K.setGemmStyle(style);
    const g = geom(c);
    const x = randn(c.n * c.C * c.H * c.W), w = randn(c.O * (c.C / c.groups) * c.k[0] * c.k[1]), bias = randn(c.O);
    const ySize = c.n * c.O * g.oH * g.oW;
    const gy = randn(ySize);
    const y = new Float64Array(ySize), dx = new Float64Array(x.length), dw = new Float64Array(w.length);
    for (let i = 0; i < ySize; i++) y[i] = bias[Math.floor(i / (g.oH * g.oW)) % c.O];
    forEachTerm(c, g, (yi, wi, xi) => { y[yi] += w[wi] * x[xi]; dx[xi] += w[wi] * gy[yi]; dw[wi] += x[xi] * gy[yi]; });
    const [xb, wb, bb, gyb] = [x, w, bias, gy].map((a) => K.upload(a));
    const name = `${style} ${JSON.stringify(c)}`;
    close(await K.readFloat32(K.conv2dForward(xb, wb, bb, c.n, c.O, g, c.groups), ySize), y, 1e-4, 1e-4, `forward ${name}`);
    const y0 = y.map((v, i) => v - bias[Math.floor(i / (g.oH * g.oW)) % c.O]);
    close(await K.readFloat32(K.conv2dForward(xb, wb, null, c.n, c.O, g, c.groups), ySize), y0, 1e-4, 1e-4, `no bias ${name}`);
    close(await K.readFloat32(K.conv2dInputGrad(wb, gyb, c.n, c.O, g, c.groups), x.length), dx, 1e-4, 1e-4, `input grad ${name}`);
    close(await K.readFloat32(K.conv2dWeightGrad(xb, gyb, c.n, c.O, g, c.groups), w.length), dw, 1e-4, 1e-4, `weight grad ${name}`);
  }
  K.setGemmStyle(null);
});
