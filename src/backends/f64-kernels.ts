/**
 * float64 kernels of the fast backends and their routing. The op table
 * (scripts/op-table.mjs) and `layer` route float32; a backend that also has float64
 * kernels passes them as `FastKernels.f64`, and `layerF64` puts them in front of the
 * float32 routing with the same rule: a kernel here, the call at least the threshold
 * below (or routing forced, for tests), every array a Float64Array; otherwise the call
 * goes on to the float32 routing and the backend below. Thresholds are the float32
 * ones of the op table where the N-API call cost is the same (matmul counts
 * multiply-adds; the cells count n·H).
 */
import type { Backend } from "./backend.js";
import type { TypedArray } from "../core/dtype.js";
import { BINARY_CODE } from "./ops.generated.js";

type F64 = Float64Array;
type F64N = Float64Array | null;

/** A backend's float64 kernels; each optional. */
export interface F64Kernels {
  /** Broadcasting binary op by BINARY_CODE; may return false to decline (op, layout). */
  binary?(code: number, a: F64, aShape: readonly number[], b: F64, bShape: readonly number[], out: F64, outShape: readonly number[]): boolean | void;
  matmul?(a: F64, b: F64, out: F64, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, aStride: number, bStride: number): void;
  lstmCell?(gates: F64, cPrev: F64, n: number, H: number, hOut: F64, cOut: F64, xAdd: F64N): void;
  lstmCellBackward?(act: F64, cPrev: F64, c: F64, gh: F64N, gc: F64N, n: number, H: number, dGates: F64, dcPrev: F64, gh2: F64N): void;
}

/** Smallest call routed to a float64 kernel (matmul: multiply-adds; cells: n·H). */
export const F64_THRESHOLDS = { matmul: 4096, binary: 64, lstmCell: 0, lstmCellBackward: 0 } as const;

const isD = (x: TypedArray | null): x is F64 => x instanceof Float64Array;
const isDN = (x: TypedArray | null): x is F64N => x === null || x instanceof Float64Array;
/**
 * Puts `k`'s float64 kernels in front of `b`'s methods (which keep everything else).
 * `forced` is layer.ts's routing mode ("always": every size, for tests); passed in so
 * that this file does not import layer.ts back.
 */
export function layerF64(b: { -readonly [K in keyof Backend]: Backend[K] }, k: F64Kernels, forced: () => boolean): void {
  const routes = (min: number, size: number): boolean => forced() || size >= min;
  const { binary, matmul, lstmCell, lstmCellBackward } = k;
  const bin = b.binary, mm = b.matmul, lc = b.lstmCell, lcb = b.lstmCellBackward;
  if (binary) b.binary = (op, a, aShape, bb, bShape, out, outShape) => {
    if (routes(F64_THRESHOLDS.binary, out.length) && isD(a) && isD(bb) && isD(out) && binary(BINARY_CODE[op], a, aShape, bb, bShape, out, outShape) !== false) return;
    bin(op, a, aShape, bb, bShape, out, outShape);
  };
  if (matmul) b.matmul = (a, bb, out, batch, M, N, K, tA, tB, sA, sB) => {
    if (routes(F64_THRESHOLDS.matmul, batch * M * N * K) && isD(a) && isD(bb) && isD(out)) matmul(a, bb, out, batch, M, N, K, tA, tB, sA, sB);
    else mm(a, bb, out, batch, M, N, K, tA, tB, sA, sB);
  };
  if (lstmCell) b.lstmCell = (gates, cPrev, n, H, hOut, cOut, xAdd = null) => {
    if (routes(F64_THRESHOLDS.lstmCell, n * H) && isD(gates) && isD(cPrev) && isD(hOut) && isD(cOut) && isDN(xAdd)) lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd);
    else lc(gates, cPrev, n, H, hOut, cOut, xAdd);
  };
  if (lstmCellBackward) b.lstmCellBackward = (act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2 = null) => {
    if (routes(F64_THRESHOLDS.lstmCellBackward, n * H) && isD(act) && isD(cPrev) && isD(c) && isD(dGates) && isD(dcPrev) && isDN(gh) && isDN(gc) && isDN(gh2)) {
      lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2);
    } else lcb(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2);
  };
}
