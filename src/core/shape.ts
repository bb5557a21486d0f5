/**
 * Shape utilities: sizes, strides, broadcasting, dim normalisation and argument parsing.
 * Every error names the op and the shapes involved.
 */
export type Shape = number[];

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Broadcast two shapes by NumPy/PyTorch rules, or throw naming `op`. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  if (shapesEqual(a, b)) return a.slice();
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new Error(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast: ` +
          `size ${da} vs ${db} at dim ${i - n} (sizes must match or one must be 1)`,
      );
    }
  }
  return out;
}

/** Normalises a possibly negative dim against `ndim`; scalars accept dims -1 and 0. */
export function normDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of ${ndim} dims (expected in [${-n}, ${n - 1}])`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Normalises a dim for insertion (unsqueeze/stack), valid range [-(ndim+1), ndim]. */
export function normInsertDim(dim: number, ndim: number, op: string): number {
  if (!Number.isInteger(dim) || dim < -(ndim + 1) || dim > ndim) {
    throw new RangeError(`${op}: dim ${dim} is out of range for inserting into a tensor of ${ndim} dims (expected in [${-(ndim + 1)}, ${ndim}])`);
  }
  return dim < 0 ? dim + ndim + 1 : dim;
}

/** Normalises a dim list (sorted, unique); `undefined` means all dims. */
export function normDims(dims: number | readonly number[] | undefined | null, ndim: number, op: string): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === "number" ? [dims] : dims;
  const out = list.map((d) => normDim(d, ndim, op));
  const set = new Set(out);
  if (set.size !== out.length) throw new Error(`${op}: dim list [${list.join(", ")}] repeats a dim`);
  return out.sort((x, y) => x - y);
}

/** Parses shape varargs: `f(2, 3)` and `f([2, 3])` alike. */
export function shapeArgs(args: readonly (number | readonly number[])[], op: string): number[] {
  const shape = args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]).slice() : (args as number[]).slice();
  for (const s of shape) {
    if (typeof s !== "number" || !Number.isInteger(s)) {
      throw new TypeError(`${op}: shape entries must be integers, got ${fmtShape(shape as number[])}`);
    }
  }
  return shape as number[];
}

export function checkShape(shape: readonly number[], op: string): void {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers`);
  }
}
