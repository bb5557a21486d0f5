/**
 * Scaled dot-product attention over heads as Hugging Face's BERT and GPT-2 compute it
 * (scores = q·kᵀ/√d + additive mask, softmax, dropout, ·v), and the additive masks
 * they use: a padding mask from a 0/1 attention mask and GPT-2's causal mask; and the
 * config merge both models share.
 */
import type { Tensor } from "../../core/tensor.js";
import { make } from "../../core/tensor.js";
import * as F from "../../nn/functional/index.js";
import type { Dropout } from "../../nn/layers/dropout.js";

/** What a masked score becomes: large enough that exp() underflows to 0, finite so a masked row stays finite. */
export const MASKED = -1e30;

/** [B, T, H·D] → [B, H, T, D]. */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, t, e] = x.shape;
  return x.reshape(b, t, heads, e / heads).permute(0, 2, 1, 3);
}

/** [B, H, T, D] → [B, T, H·D]. */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape;
  return x.permute(0, 2, 1, 3).reshape(b, t, h * d);
}

/** softmax(q·kᵀ/√d + mask)·v with dropout on the probabilities; q [B, H, T, D], k/v [B, H, S, D]. */
export function attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, dropout: Dropout): Tensor {
  let s = q.matmul(k.transpose(-1, -2)).div(Math.sqrt(q.shape[3]));
  if (mask) s = s.add(mask);
  return dropout.forward(F.softmax(s, -1)).matmul(v);
}

/** A 0/1 attention mask [B, S] (1 = attend) → additive [B, 1, 1, S]. */
export function paddingMask(attentionMask: Tensor, fn: string): Tensor {
  if (attentionMask.ndim !== 2) throw new Error(`${fn}: attentionMask must be [batch, seq] of 0/1, got shape [${attentionMask.shape}]`);
  const [b, s] = attentionMask.shape;
  const d = attentionMask.data(), out = new Float32Array(b * s);
  for (let i = 0; i < out.length; i++) out[i] = Number(d[i]) ? 0 : MASKED;
  return make(out, [b, 1, 1, s], "float32");
}

/** Causal additive mask [T, S] for T new queries after `past` cached positions (S = past + T). */
export function causalMask(t: number, past: number): Tensor {
  const s = past + t, out = new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = past + i + 1; j < s; j++) out[i * s + j] = MASKED;
  return make(out, [t, s], "float32");
}

/** `config` over `defaults`, refusing keys the config does not have (a typo would be silently ignored otherwise). */
export function resolveConfig<T extends object>(model: string, defaults: Required<T>, config: T): Required<T> {
  for (const k of Object.keys(config)) {
    if (!(k in defaults)) throw new Error(`${model}: unknown config key "${k}" (Hugging Face's keys, camelCased: ${Object.keys(defaults).join(", ")})`);
  }
  return { ...defaults, ...config };
}
