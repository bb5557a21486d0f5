// conv2d (groups 1) forward and both gradients as one GEMM per image on columns built
// in a per-thread buffer of one image's size (C*kH*kW x oH*oW floats, ~225 KB for
// MNIST's conv2): the batch's column matrix (64 times that) never exists, so nothing
// is written to and read back from memory beyond the caches, and the caller copies in
// only x (or the output gradient), not the columns.
// One plan drives all threads (as gemmRun): tasks are claimed from an atomic counter.
// Forward and input gradient: a task is a run of images. Weight gradient: a task is
// a range of its columns (rows of the image columns), each summed over all images in
// order, so every element's summation order is the same for any thread count.
import { gemmInto } from "./gemm";
import { col2imF32, im2colRow } from "./conv";

/** i32 fields of a conv plan (written by the caller, NEXT zeroed). */
export const CP_NEXT = 0, CP_MODE = 1, CP_X = 2, CP_W = 3, CP_BIAS = 4, CP_G = 5, CP_OUT = 6, CP_N = 7, CP_O = 8,
  CP_C = 9, CP_H = 10, CP_WIDTH = 11, CP_KH = 12, CP_KW = 13, CP_PAD_T = 14, CP_PAD_L = 15, CP_SH = 16, CP_SW = 17,
  CP_DH = 18, CP_DW = 19, CP_OH = 20, CP_OW = 21, CP_PER_TASK = 22, CP_COLS = 23, CP_COLS_BYTES = 24;
/** CP_MODE values. */
import { CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD } from "./ops.generated";

@inline function field(plan: usize, f: i32): i32 {
  return load<i32>(plan + <usize>f * 4);
}

// Rows [r0, r1) of one image's columns (rows ordered (c, ki, kj)) into out, L floats each.
function im2colRows(plan: usize, xb: usize, r0: i32, r1: i32, out: usize): void {
  const H = field(plan, CP_H), W = field(plan, CP_WIDTH), kH = field(plan, CP_KH), kW = field(plan, CP_KW);
  const oH = field(plan, CP_OH), oW = field(plan, CP_OW), taps = kH * kW;
  const padT = field(plan, CP_PAD_T), padL = field(plan, CP_PAD_L), dH = field(plan, CP_DH), dW = field(plan, CP_DW);
  const sH = field(plan, CP_SH), sW = field(plan, CP_SW);
  const plane = <usize>(H * W) * 4, row = <usize>(oH * oW) * 4;
  for (let r = r0; r < r1; r++) {
    const c = r / taps, t = r % taps, ki = t / kW, kj = t % kW;
    im2colRow(xb + <usize>c * plane, H, W, ki * dH - padT, kj * dW - padL, sH, sW, oH, oW, out + <usize>(r - r0) * row);
  }
}

// out[o, :] += bias[o] for the O x L output of one image.
function addBias(out: usize, bias: usize, O: i32, L: i32): void {
  for (let o = 0; o < O; o++) {
    const v = f32x4.splat(load<f32>(bias + <usize>o * 4));
    const s = load<f32>(bias + <usize>o * 4);
    let p = out + <usize>o * <usize>L * 4;
    let j = 0;
    for (; j + 4 <= L; j += 4, p += 16) v128.store(p, f32x4.add(v128.load(p), v));
    for (; j < L; j++, p += 4) store<f32>(p, load<f32>(p) + s);
  }
}

/**
 * One thread's share of the conv plan at `plan` (CP_* fields; pointers are byte
 * offsets): `thread` picks this thread's column buffer (CP_COLS + thread *
 * CP_COLS_BYTES), `scratch` is its gemmScratchBytes() region. Returns once no task is
 * left. Layouts: x [N, C, H, W], w [O, K] (K = C*kH*kW), output / output gradient
 * [N, O, oH*oW]; input gradient [N, C, H, W] and weight gradient [O, K] overwritten.
 */
export function convRun(plan: usize, thread: i32, scratch: usize): void {
  const mode = field(plan, CP_MODE), N = field(plan, CP_N), O = field(plan, CP_O);
  const C = field(plan, CP_C), H = field(plan, CP_H), W = field(plan, CP_WIDTH), kH = field(plan, CP_KH), kW = field(plan, CP_KW);
  const oH = field(plan, CP_OH), oW = field(plan, CP_OW), L = oH * oW, K = C * kH * kW;
  const x = <usize>field(plan, CP_X), w = <usize>field(plan, CP_W), bias = <usize>field(plan, CP_BIAS);
  const g = <usize>field(plan, CP_G), out = <usize>field(plan, CP_OUT), per = field(plan, CP_PER_TASK);
  const cols = <usize>field(plan, CP_COLS) + <usize>thread * <usize>field(plan, CP_COLS_BYTES);
  const image = <usize>(C * H * W) * 4, outImage = <usize>(O * L) * 4;
  for (;;) {
    const t0 = atomic.add<i32>(plan + <usize>CP_NEXT * 4, 1) * per;
    if (mode == CONV_WEIGHT_GRAD) {
      // dW[:, r0:r1] = sum over images of g_b [O, L] @ cols_b[r0:r1, :]^T.
      if (t0 >= K) return;
      const r1 = min(K, t0 + per);
      for (let b = 0; b < N; b++) {
        im2colRows(plan, x + <usize>b * image, t0, r1, cols);
        gemmInto(g + <usize>b * outImage, cols, out + <usize>t0 * 4, K, O, r1 - t0, L, false, true, 0, O, 0, r1 - t0, b > 0, scratch);
      }
      continue;
    }
    if (t0 >= N) return;
    const b1 = min(N, t0 + per);
    for (let b = t0; b < b1; b++) {
      if (mode == CONV_FORWARD) {
        im2colRows(plan, x + <usize>b * image, 0, K, cols);
        const ob = out + <usize>b * outImage;
        gemmInto(w, cols, ob, L, O, L, K, false, false, 0, O, 0, L, false, scratch);
        if (bias != 0) addBias(ob, bias, O, L);
      } else {
        // dcols_b = w^T [K, O] @ g_b [O, L], folded back onto the image.
        gemmInto(w, g + <usize>b * outImage, cols, L, K, L, O, true, false, 0, K, 0, L, false, scratch);
        col2imF32(cols, 1, C, H, W, kH, kW, field(plan, CP_PAD_T), field(plan, CP_PAD_L), field(plan, CP_SH), field(plan, CP_SW),
          field(plan, CP_DH), field(plan, CP_DW), oH, oW, out + <usize>b * image);
      }
    }
  }
}

