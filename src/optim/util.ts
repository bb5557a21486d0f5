/**
 * Helpers shared by optimizers and schedulers: PyTorch <-> camelCase key mapping for
 * state dicts, deep copies of state (tensors included), and option validation.
 */
import { noGrad } from "../core/autograd.js";
import { Tensor } from "../core/tensor.js";
import { allocArray, type DType } from "../core/dtype.js";
import { readData } from "../ops/data.js";

/** Keys whose PyTorch spelling doesn't follow the plain camel→snake rule. */
const SNAKE_EXCEPTIONS: Record<string, string> = { T0: "T_0", Ti: "T_i" };
const CAMEL_EXCEPTIONS: Record<string, string> = { T_0: "T0", T_i: "Ti" };

/** `weightDecay` → `weight_decay`, `TMax` → `T_max`, `_lastLr` → `_last_lr`. */
export function toSnake(key: string): string {
  if (key in SNAKE_EXCEPTIONS) return SNAKE_EXCEPTIONS[key];
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (i > 0 && c >= "A" && c <= "Z" && key[i - 1] !== "_") out += "_" + c.toLowerCase();
    else out += c;
  }
  return out;
}

/** `weight_decay` → `weightDecay`, `T_max` → `TMax`, `_last_lr` → `_lastLr`. */
export function toCamel(key: string): string {
  if (key in CAMEL_EXCEPTIONS) return CAMEL_EXCEPTIONS[key];
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === "_" && i > 0 && i < key.length - 1) out += key[++i].toUpperCase();
    else out += c;
  }
  return out;
}

/** A tensor copy of `t` (storage copied) in `dtype`; grads and graph are not carried. */
export function cloneTensor(t: Tensor, dtype: DType = t.dtype): Tensor {
  // On a device the copy stays there (no synchronous read); checkpoints read it back asynchronously.
  if (t.device !== "cpu") return noGrad(() => (dtype === t.dtype ? t.detach().clone() : t.detach().to(dtype)));
  const data = allocArray(dtype, t.numel());
  data.set(readData(t));
  return new Tensor(data, t.shape.slice(), dtype);
}

/**
 * Deep copy of optimizer/scheduler state: tensors are cloned (cast to `dtype` when
 * given, as PyTorch casts loaded state to the parameter's dtype), arrays and plain
 * objects are copied, everything else is kept.
 */
export function deepCopyState(v: unknown, dtype?: DType): unknown {
  if (v instanceof Tensor) return cloneTensor(v, dtype ?? v.dtype);
  if (Array.isArray(v)) return v.map((x) => deepCopyState(x, dtype));
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = deepCopyState(x, dtype);
    return out;
  }
  return v;
}

/** Throws `${op}: invalid ${name} value: ${v}` unless `ok`. */
export function check(ok: boolean, op: string, what: string): void {
  if (!ok) throw new RangeError(`${op}: ${what}`);
}

/** Drops keys whose value is undefined, so they don't override defaults. */
export function stripUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Validates Adam-family options shared by several optimizers. */
export function checkAdamLike(op: string, d: { lr: number; eps: number; betas: readonly number[]; weightDecay: number }): void {
  check(d.lr >= 0, op, `invalid learning rate: ${d.lr} (must be >= 0)`);
  check(d.eps >= 0, op, `invalid epsilon value: ${d.eps} (must be >= 0)`);
  check(Array.isArray(d.betas) && d.betas.length === 2, op, `betas must be a pair [beta1, beta2], got ${JSON.stringify(d.betas)}`);
  check(d.betas[0] >= 0 && d.betas[0] < 1, op, `invalid beta parameter at index 0: ${d.betas[0]} (must be in [0, 1))`);
  check(d.betas[1] >= 0 && d.betas[1] < 1, op, `invalid beta parameter at index 1: ${d.betas[1]} (must be in [0, 1))`);
  check(d.weightDecay >= 0, op, `invalid weightDecay value: ${d.weightDecay} (must be >= 0)`);
}
