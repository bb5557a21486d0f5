/**
 * Pictures of attributions: heat maps over images as browser-ready RGBA (the layout of
 * `ImageData`) or PNG, and coloured-token HTML for text. Values are normalised as
 * Captum's visualisation does: channels summed, the chosen sign kept, and scaled by the
 * value below which (100 - outlierPerc)% of the total attribution mass lies, clipped to
 * [-1, 1], so a few extreme pixels do not wash out the rest.
 */
import type { Tensor } from "../core/tensor.js";
import { encodePng, type PngOptions } from "../models/png.js";

export type Sign = "absolute_value" | "positive" | "negative" | "all";

export interface HeatmapOptions {
  /** Which attributions to show (default "absolute_value"). */
  sign?: Sign;
  /** Percentage of the attribution mass treated as outliers (default 2). */
  outlierPerc?: number;
  /** The picture explained, [H, W], [1|3, H, W] or [1, 1|3, H, W], values in [0, 1]; drawn in grey under the map. */
  image?: Tensor;
  /** Opacity of the heat map at full strength (default 0.7). */
  alpha?: number;
}

/** [..., H, W] → H, W and the per-pixel values summed over the leading (channel) dims. */
function plane(t: Tensor, what: string): { h: number; w: number; v: Float64Array } {
  if (t.ndim < 2) throw new Error(`${what}: expected a tensor with [H, W] last, got shape [${t.shape.join(", ")}]`);
  const [h, w] = t.shape.slice(-2);
  const d = t.data() as ArrayLike<number>;
  const planes = d.length / (h * w);
  if (planes > 3) throw new Error(`${what}: expected one picture ([H, W], [C, H, W] or [1, C, H, W] with C <= 3), got shape [${t.shape.join(", ")}]`);
  const v = new Float64Array(h * w);
  for (let p = 0; p < planes; p++) for (let i = 0; i < h * w; i++) v[i] += d[p * h * w + i];
  return { h, w, v };
}

/** Attribution values per pixel normalised to [-1, 1] (Captum's _normalize_attr). */
export function normalizeAttr(attr: Tensor, sign: Sign = "absolute_value", outlierPerc = 2): { values: Float64Array; height: number; width: number } {
  const { h, w, v } = plane(attr, "normalizeAttr");
  const kept = v.map((x) => (sign === "absolute_value" ? Math.abs(x) : sign === "positive" ? Math.max(x, 0) : sign === "negative" ? Math.max(-x, 0) : x));
  const mags = Array.from(kept, Math.abs).sort((a, b) => a - b);
  const total = mags.reduce((a, b) => a + b, 0);
  let acc = 0, threshold = mags[mags.length - 1];
  for (const m of mags) {
    acc += m;
    if (acc >= total * (100 - outlierPerc) / 100) { threshold = m; break; }
  }
  const values = kept.map((x) => (threshold > 0 ? Math.max(-1, Math.min(1, x / threshold)) : 0));
  return { values, height: h, width: w };
}

/** Colour of a normalised value: red for positive/absolute, blue for negative. */
function colour(v: number): [number, number, number] {
  return v >= 0 ? [255, Math.round(200 * (1 - v)), 0] : [0, Math.round(120 * (1 + v)), 255];
}

/**
 * The heat map as RGBA bytes (row-major, 4 per pixel: usable as `new ImageData(data, width)`),
 * over the grey image if given.
 */
export function heatmapRgba(attr: Tensor, opts: HeatmapOptions = {}): { data: Uint8ClampedArray; width: number; height: number } {
  const { values, height, width } = normalizeAttr(attr, opts.sign, opts.outlierPerc ?? 2);
  const alpha = opts.alpha ?? 0.7;
  let grey: Float64Array | null = null;
  if (opts.image) {
    const p = plane(opts.image, "heatmapRgba");
    if (p.h !== height || p.w !== width) throw new Error(`heatmapRgba: the image is ${p.h}x${p.w} but the attribution is ${height}x${width}`);
    const planes = opts.image.numel() / (height * width);
    grey = p.v.map((x) => x / planes);
  }
  const data = new Uint8ClampedArray(height * width * 4);
  for (let i = 0; i < values.length; i++) {
    const g = grey ? Math.max(0, Math.min(1, grey[i])) * 255 : 0;
    const a = grey ? alpha * Math.abs(values[i]) : 1;
    const [r, gg, b] = colour(values[i]);
    const strength = grey ? a : Math.abs(values[i]);
    data[i * 4] = g * (1 - strength) + r * strength;
    data[i * 4 + 1] = g * (1 - strength) + gg * strength;
    data[i * 4 + 2] = g * (1 - strength) + b * strength;
    data[i * 4 + 3] = 255;
  }
  return { data, width, height };
}

/** Nearest-neighbour upscaling of RGBA pixels by an integer factor (small pictures stay crisp). */
export function upscaleRgba(img: { data: Uint8ClampedArray; width: number; height: number }, factor: number): { data: Uint8ClampedArray; width: number; height: number } {
  const W = img.width * factor, H = img.height * factor;
  const out = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const s = (Math.floor(y / factor) * img.width + Math.floor(x / factor)) * 4;
    out.set(img.data.subarray(s, s + 4), (y * W + x) * 4);
  }
  return { data: out, width: W, height: H };
}

/** RGBA pixels → PNG bytes (alpha dropped: the maps are opaque). */
export function rgbaToPng(img: { data: Uint8ClampedArray; width: number; height: number }, opts: PngOptions = {}): Uint8Array {
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) rgb.set(img.data.subarray(i * 4, i * 4 + 3), i * 3);
  return encodePng(rgb, img.width, img.height, 3, opts);
}

/** The heat map overlay as a PNG file's bytes (`scale` enlarges each pixel, default 1). */
export function heatmapPng(attr: Tensor, opts: HeatmapOptions & PngOptions & { scale?: number } = {}): Uint8Array {
  const { scale = 1, deflate, ...rest } = opts;
  return rgbaToPng(upscaleRgba(heatmapRgba(attr, rest), scale), { deflate });
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * Tokens as HTML spans coloured by their attribution (green positive, red negative,
 * opacity by magnitude relative to the largest), the value in each span's title.
 * @example tokenHtml(["the", "movie", "was", "great"], attr.sum(-1).select(0, 0))
 */
export function tokenHtml(tokens: string[], attributions: Tensor | ArrayLike<number>): string {
  const vals = Array.from(("data" in attributions && typeof attributions.data === "function" ? (attributions as Tensor).data() : attributions) as ArrayLike<number>);
  if (vals.length !== tokens.length) throw new Error(`tokenHtml: got ${tokens.length} tokens but ${vals.length} attributions`);
  const max = Math.max(...vals.map(Math.abs), 0) || 1;
  const spans = tokens.map((t, i) => {
    const v = vals[i] / max;
    const rgb = v >= 0 ? "0, 160, 60" : "220, 40, 40";
    return `<span title="${vals[i].toPrecision(4)}" style="background-color: rgba(${rgb}, ${Math.abs(v).toFixed(3)}); padding: 0 2px; border-radius: 3px">${escapeHtml(t)}</span>`;
  });
  return `<div style="font-family: sans-serif; line-height: 1.8">${spans.join(" ")}</div>`;
}
