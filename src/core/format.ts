/**
 * Formats tensor contents exactly like PyTorch's printer (torch/_tensor_str.py with
 * default print options): one formatter chosen from the printed values (integer
 * mode `1.`, fixed `1.0000`, or scientific `1.0000e+05`), right-aligned columns,
 * rows wrapped at 80 characters, and `...` summaries past 1000 elements.
 * Rounding is half-to-even on the exact binary value, as Python's `format`.
 */
import type { DType, TypedArray } from "./dtype.js";
import { numel } from "./shape.js";

const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 4;
const LINEWIDTH = 80;

/**
 * Rounds the decimal digit string `digits` (no sign, no point) to `keep` digits,
 * half to even; returns the rounded digits (one longer when a carry spills over).
 */
function roundDigits(digits: string, keep: number): string {
  const head = digits.slice(0, keep);
  const rest = digits.slice(keep);
  let up = false;
  if (rest.length && rest[0] > "5") up = true;
  else if (rest.length && rest[0] === "5") {
    // Exactly half only if every later digit is zero; then round to even.
    up = /[1-9]/.test(rest.slice(1)) || (head.length > 0 && Number(head[head.length - 1]) % 2 === 1);
  }
  if (!up) return head;
  const arr = head.split("").map(Number);
  let i = arr.length - 1;
  while (i >= 0) {
    if (arr[i] === 9) { arr[i] = 0; i--; } else { arr[i]++; break; }
  }
  return (i < 0 ? "1" : "") + arr.join("");
}

/** Python's `"{:.Nf}".format(v)` for finite v. */
export function formatFixed(v: number, decimals: number): string {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a >= 1e21) return (neg ? "-" : "") + a.toFixed(decimals); // beyond exact toFixed; never tied in practice
  const exact = a.toFixed(100); // exact decimal expansion of the double (enough digits for |v| >= 2^-46)
  const [ip, fp] = exact.split(".");
  const r = roundDigits(ip + fp, ip.length + decimals);
  const intLen = r.length - decimals;
  const intPart = r.slice(0, intLen) || "0";
  const frac = r.slice(intLen);
  return (neg ? "-" : "") + intPart + (decimals > 0 ? "." + frac : "");
}

/** Python's `"{:.Ne}".format(v)` for finite v (two-digit exponent at least). */
export function formatExp(v: number, decimals: number): string {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let mant: string;
  let exp: number;
  if (a === 0) {
    mant = "0".repeat(decimals + 1);
    exp = 0;
  } else {
    const s = a.toExponential(100);
    const [m, e] = s.split("e");
    exp = Number(e);
    mant = roundDigits(m.replace(".", ""), decimals + 1);
    if (mant.length > decimals + 1) {
      mant = mant.slice(0, decimals + 1);
      exp++;
    }
  }
  const es = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String(Math.abs(exp));
  return (neg ? "-" : "") + mant[0] + (decimals > 0 ? "." + mant.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + es;
}

interface Formatter {
  width: number;
  fmt: (v: number) => string;
}

function special(v: number): string | null {
  return Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : null;
}

/** PyTorch's _Formatter: picks the mode and column width from the values to be shown. */
function makeFormatter(values: number[], dtype: DType): Formatter {
  if (dtype === "bool" || dtype === "int32") {
    const str = dtype === "bool" ? (v: number) => (v ? "True" : "False") : (v: number) => String(v);
    let width = 1;
    for (const v of values) width = Math.max(width, str(v).length);
    return { width, fmt: str };
  }
  const vals = values.filter((v) => Number.isFinite(v) && v !== 0);
  if (vals.length === 0) {
    // No informative value: integer mode, width 1 (PyTorch returns early).
    return { width: 1, fmt: (v) => special(v) ?? formatFixed(v, 0) + "." };
  }
  let min = Infinity, max = 0, intMode = true;
  for (const v of vals) {
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
    if (v !== Math.ceil(v)) intMode = false;
  }
  const sci = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
  let width = 1;
  if (sci) {
    for (const v of vals) width = Math.max(width, formatExp(v, PRECISION).length);
    return { width, fmt: (v) => special(v) ?? formatExp(v, PRECISION) };
  }
  if (intMode) {
    for (const v of vals) width = Math.max(width, formatFixed(v, 0).length + 1);
    return { width, fmt: (v) => special(v) ?? formatFixed(v, 0) + "." };
  }
  for (const v of vals) width = Math.max(width, formatFixed(v, PRECISION).length);
  return { width, fmt: (v) => special(v) ?? formatFixed(v, PRECISION) };
}

/**
 * Renders data of `shape` as PyTorch-style nested brackets (the part inside
 * `tensor(...)`); `indent` is the column the first "[" sits in (7 after "tensor(").
 */
export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType, indent: number): string {
  const n = numel(shape);
  if (n === 0) return "[]";
  const summarize = n > THRESHOLD;
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  const indicesOf = (size: number): (number | null)[] => {
    if (!summarize || size <= 2 * EDGE) return Array.from({ length: size }, (_, i) => i);
    const head = Array.from({ length: EDGE }, (_, i) => i);
    const tail = Array.from({ length: EDGE }, (_, i) => size - EDGE + i);
    return [...head, null, ...tail];
  };
  // The formatter sees only the values that will be printed (get_summarized_data).
  const shown: number[] = [];
  const collect = (dim: number, off: number): void => {
    if (dim === shape.length) {
      shown.push(data[off]);
      return;
    }
    for (const i of indicesOf(shape[dim])) if (i !== null) collect(dim + 1, off + i * strides[dim]);
  };
  collect(0, 0);
  const { width, fmt } = makeFormatter(shown, dtype);
  const cell = (v: number): string => fmt(v).padStart(width);
  if (shape.length === 0) return cell(data[0]);
  const vector = (off: number, ind: number): string => {
    const perLine = Math.max(1, Math.floor((LINEWIDTH - ind) / (width + 2)));
    const items = indicesOf(shape[shape.length - 1]).map((i) => (i === null ? " ..." : cell(data[off + i])));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
    return "[" + lines.join(",\n" + " ".repeat(ind + 1)) + "]";
  };
  const render = (dim: number, off: number, ind: number): string => {
    if (dim === shape.length - 1) return vector(off, ind);
    const sep = "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(ind + 1);
    const parts = indicesOf(shape[dim]).map((i) => (i === null ? "..." : render(dim + 1, off + i * strides[dim], ind + 1)));
    return "[" + parts.join(sep) + "]";
  };
  return render(0, 0, indent);
}

/**
 * Joins the body and keyword suffixes like PyTorch's `_add_suffixes`: a suffix that
 * would push the last line past 80 columns goes on its own line.
 */
export function addSuffixes(body: string, suffixes: string[], indent: number): string {
  const parts = [body];
  let last = body.length - body.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > LINEWIDTH) {
      parts.push(",\n" + " ".repeat(indent) + s);
      last = indent + s.length;
    } else {
      parts.push(", " + s);
      last += s.length + 2;
    }
  }
  return parts.join("") + ")";
}
