/**
 * JS reference kernels for reductions over the middle axis of an [outer, r, inner]
 * view: sum/prod/max/min, arg-reductions and cumulative sums/products.
 */
import type { TypedArray } from "../../core/dtype.js";
import type { ReduceOp } from "../backend.js";

export function reduce(op: ReduceOp, x: TypedArray, outer: number, r: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    const xb = o * r * inner;
    const ob = o * inner;
    if (inner === 1) {
      // Contiguous row: accumulate in a local (float64) for accuracy and speed.
      let acc = op === "sum" ? 0 : op === "prod" ? 1 : r > 0 ? x[xb] : NaN;
      switch (op) {
        case "sum": for (let j = 0; j < r; j++) acc += x[xb + j]; break;
        case "prod": for (let j = 0; j < r; j++) acc *= x[xb + j]; break;
        case "max": for (let j = 1; j < r; j++) { const v = x[xb + j]; if (v > acc || v !== v) { acc = v; if (v !== v) break; } } break;
        case "min": for (let j = 1; j < r; j++) { const v = x[xb + j]; if (v < acc || v !== v) { acc = v; if (v !== v) break; } } break;
      }
      out[ob] = acc;
      continue;
    }
    if (op === "sum" || op === "prod") {
      const init = op === "sum" ? 0 : 1;
      for (let i = 0; i < inner; i++) out[ob + i] = init;
      for (let j = 0; j < r; j++) {
        const xr = xb + j * inner;
        if (op === "sum") for (let i = 0; i < inner; i++) out[ob + i] += x[xr + i];
        else for (let i = 0; i < inner; i++) out[ob + i] *= x[xr + i];
      }
    } else {
      for (let i = 0; i < inner; i++) out[ob + i] = x[xb + i];
      for (let j = 1; j < r; j++) {
        const xr = xb + j * inner;
        if (op === "max") {
          for (let i = 0; i < inner; i++) { const v = x[xr + i], c = out[ob + i]; if (v > c || (v !== v && c === c)) out[ob + i] = v; }
        } else {
          for (let i = 0; i < inner; i++) { const v = x[xr + i], c = out[ob + i]; if (v < c || (v !== v && c === c)) out[ob + i] = v; }
        }
      }
    }
  }
}

export function argReduce(op: "argmax" | "argmin", x: TypedArray, outer: number, r: number, inner: number, out: Int32Array): void {
  const isMax = op === "argmax";
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * r * inner + i;
      let best = x[base];
      let bi = 0;
      if (best === best) {
        for (let j = 1; j < r; j++) {
          const v = x[base + j * inner];
          if (v !== v) { bi = j; break; }
          if (isMax ? v > best : v < best) { best = v; bi = j; }
        }
      }
      out[o * inner + i] = bi;
    }
  }
}

export function cumulative(op: "sum" | "prod", x: TypedArray, outer: number, r: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * r * inner;
    for (let i = 0; i < inner; i++) {
      let acc = op === "sum" ? 0 : 1;
      for (let j = 0; j < r; j++) {
        const p = base + j * inner + i;
        acc = op === "sum" ? acc + x[p] : acc * x[p];
        out[p] = acc;
      }
    }
  }
}
