/**
 * The deterministic weight formula of test/fixtures/gen_zoo_vision.py, mirrored: entry
 * k of the state dict, element i, u = (((i+1)·2654435761 mod 2³²) xor ((k+1)·2246822519
 * mod 2³²)) / 2³² in exact integer arithmetic, scaled by the kind of tensor. Both sides
 * compute the same float64 values and round them to float32, so big models need no
 * committed weights.
 */
import { my } from "../helpers.js";
import type { Tensor, nn } from "../../src/index.js";

const SPECIAL = new Set(["class_token", "pos_embedding", "layer_scale"]);

/** u in [0, 1) for element i of entry k (see the file header). */
export function hashUniform(k: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const b = Math.imul(k + 1, 2246822519 | 0);
  for (let i = 0; i < n; i++) out[i] = ((Math.imul(i + 1, 2654435761 | 0) ^ b) >>> 0) / 4294967296;
  return out;
}

/** The fill values of entry k named `name` with `shape` (float32). */
export function fillValues(k: number, name: string, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = hashUniform(k, n), v = new Float32Array(n);
  const last = name.split(".").at(-1)!;
  const fanScale = shape.length >= 2 ? Math.sqrt(3 / (n / shape[0])) : 0;
  for (let i = 0; i < n; i++) {
    const x = u[i];
    v[i] = name.endsWith("running_var") ? 0.5 + x
      : SPECIAL.has(last) ? 0.2 * (2 * x - 1)
      : shape.length >= 2 ? (2 * x - 1) * fanScale
      : name.endsWith("weight") ? 1 + 0.25 * (2 * x - 1)
      : 0.1 * (2 * x - 1);
  }
  return v;
}

/** Overwrites every floating-point state-dict entry of `model` with the formula's values. */
export function deterministicFill(model: nn.Module): void {
  const sd = model.stateDict();
  my.noGrad(() => {
    Object.entries(sd).forEach(([name, t], k) => {
      if (name.endsWith("num_batches_tracked")) return;
      t.copy_(my.tensor(fillValues(k, name, t.shape), { shape: t.shape }));
    });
  });
}

/** The fixture's input: 2u - 1 from entry 9999, shape [n, 3, size, size]. */
export function image(n: number, size: number): Tensor {
  const u = hashUniform(9999, n * 3 * size * size);
  return my.tensor(Float32Array.from(u, (x) => 2 * x - 1), { shape: [n, 3, size, size] });
}
