/**
 * Formats tensor contents like PyTorch's printer: aligned columns, 4 decimals
 * (or scientific for wide ranges), and "..." summaries past 1000 elements.
 */
import type { DType, TypedArray } from "./dtype.js";
import { numel } from "./shape.js";

const SUMMARY_THRESHOLD = 1000;
const EDGE = 3;

function makeFormatter(values: number[], dtype: DType): (v: number) => string {
  if (dtype === "bool") return (v) => (v ? "True" : "False");
  if (dtype === "int32") return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const allInt = finite.every((v) => Number.isInteger(v));
  const absMax = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const absMin = finite.reduce((m, v) => (v !== 0 ? Math.min(m, Math.abs(v)) : m), Infinity);
  const special = (v: number): string | null =>
    Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : null;
  if (allInt && absMax < 1e8) return (v) => special(v) ?? `${v}.`;
  const sci = absMax >= 1e8 || (absMin !== Infinity && absMax / absMin > 1000) || (absMax > 0 && absMax < 1e-4);
  if (sci) return (v) => special(v) ?? v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
  return (v) => special(v) ?? v.toFixed(4);
}

/** Renders data of `shape` as PyTorch-style nested brackets; `indent` is the column the first "[" sits in. */
export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType, indent: number): string {
  const n = numel(shape);
  const summarize = n > SUMMARY_THRESHOLD;
  // Gather only the values that will be printed, so width/format reflect them.
  const shown: number[] = [];
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  const indicesOf = (size: number): (number | null)[] => {
    if (!summarize || size <= 2 * EDGE) return Array.from({ length: size }, (_, i) => i);
    return [0, 1, 2, null, size - 3, size - 2, size - 1];
  };
  const collect = (dim: number, off: number): void => {
    if (dim === shape.length) {
      shown.push(data[off]);
      return;
    }
    for (const i of indicesOf(shape[dim])) if (i !== null) collect(dim + 1, off + i * strides[dim]);
  };
  if (n > 0) collect(0, 0);
  const fmt = makeFormatter(shown, dtype);
  const width = shown.reduce((w, v) => Math.max(w, fmt(v).length), 0);
  const cell = (v: number): string => fmt(v).padStart(width);
  if (shape.length === 0) return fmt(data[0]);
  const render = (dim: number, off: number): string => {
    const idx = indicesOf(shape[dim]);
    if (dim === shape.length - 1) {
      return "[" + idx.map((i) => (i === null ? "..." : cell(data[off + i * strides[dim]]))).join(", ") + "]";
    }
    const pad = " ".repeat(indent + dim + 1);
    const sep = "," + "\n".repeat(shape.length - dim - 1) + pad;
    return "[" + idx.map((i) => (i === null ? "..." : render(dim + 1, off + i * strides[dim]))).join(sep) + "]";
  };
  return render(0, 0);
}
