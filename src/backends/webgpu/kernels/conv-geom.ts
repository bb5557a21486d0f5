/**
 * A convolution layer's geometry as WGSL constants, and the im2col entry, shared by the
 * implicit-GEMM passes (conv.ts) and the explicit-column ones (conv-cols.ts).
 */
import type { ConvGeom } from "../../backend.js";

/** A layer's shape: the geometry, groups and output channels. */
export interface Layer { g: ConvGeom; groups: number; O: number }

/** WGSL constants of a layer, and the group / image of GEMM batch b (b = img * groups + g), folded when groups = 1. */
export function constants(l: Layer): { decls: string; grp: string; img: string } {
  const { g, groups: G, O } = l;
  const u = (name: string, v: number) => `const ${name} = ${v}u;`;
  const i = (name: string, v: number) => `const ${name} = ${v}i;`;
  const decls = [
    u("C", g.C), u("H", g.H), u("W", g.W), u("G", G), u("KH", g.kH), u("KW", g.kW), u("OH", g.oH), u("OW", g.oW), u("O", O),
    u("CG", g.C / G), u("OG", O / G), u("KHW", g.kH * g.kW), u("OHW", g.oH * g.oW), u("HW", g.H * g.W),
    i("PT", g.padT), i("PL", g.padL), i("SH", g.sH), i("SW", g.sW), i("DH", g.dH), i("DW", g.dW),
  ].join("\n");
  return { decls, grp: G === 1 ? "0u" : "(b % G)", img: G === 1 ? "b" : "(b / G)" };
}


/** The im2col entry: input channel cAbs, kernel offset r = ki*KW + kj, output pixel pix. */
export const COL_VALUE = `
fn colValue(img: u32, cAbs: u32, r: u32, pix: u32) -> f32 {
  let ki = i32(r / KW); let kj = i32(r % KW);
  let oh = i32(pix / OW); let ow = i32(pix % OW);
  let ih = oh * SH - PT + ki * DH;
  let iw = ow * SW - PL + kj * DW;
  if (ih < 0 || iw < 0 || ih >= i32(H) || iw >= i32(W)) { return 0.0; }
  return X[((img * C + cAbs) * H + u32(ih)) * W + u32(iw)];
}`;

export const key = (l: Layer) => JSON.stringify(l);
