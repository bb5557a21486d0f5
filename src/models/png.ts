/**
 * A tiny PNG writer for looking at model outputs (reconstructions, GAN samples):
 * tiles a batch of images into a grid and encodes it as an 8-bit grayscale or RGB
 * PNG. By default the zlib stream uses stored (uncompressed) deflate blocks so this
 * needs no Node APIs and runs in the browser too (a 300×300 grid is ~90 KB); pass
 * `deflate: zlib.deflateSync` for compressed files.
 * Writing the bytes to disk is the caller's job (`fs.writeFileSync(path, bytes)`).
 */
import type { Tensor } from "../core/tensor.js";

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as PNG chunks need it. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** A zlib stream (RFC 1950) holding `data` in stored deflate blocks of ≤ 65535 bytes. */
function zlibStored(data: Uint8Array): Uint8Array {
  const nBlocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + 5 * nBlocks + 4);
  out[0] = 0x78; out[1] = 0x01; // deflate, 32 KB window, no dictionary; (0x7801 % 31 === 0)
  let o = 2;
  for (let b = 0; b < nBlocks; b++) {
    const start = b * 65535, len = Math.min(65535, data.length - start);
    out[o++] = b === nBlocks - 1 ? 1 : 0; // BFINAL bit, BTYPE = 00 (stored)
    out[o++] = len & 0xff; out[o++] = len >>> 8;
    out[o++] = ~len & 0xff; out[o++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o);
    o += len;
  }
  // Adler-32 of the uncompressed data; 5552 is the largest run that cannot overflow.
  let a = 1, s = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) { a += data[i]; s += a; }
    a %= 65521; s %= 65521;
  }
  out[o++] = s >>> 8; out[o++] = s & 0xff; out[o++] = a >>> 8; out[o++] = a & 0xff;
  return out;
}

/** Options of `encodePng` / `gridPng`. */
export interface PngOptions {
  /**
   * A zlib compressor (RFC 1950 stream), e.g. Node's `zlib.deflateSync`, for smaller
   * files; without one the image data is stored uncompressed.
   */
  deflate?: (data: Uint8Array) => Uint8Array;
}

/**
 * Encodes 8-bit pixels (row-major, `channels` interleaved: 1 = gray, 3 = RGB) as a PNG file.
 * @example fs.writeFileSync("img.png", encodePng(pixels, 28, 28));
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 1, opts: PngOptions = {}): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`encodePng: expected ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${pixels.length}`);
  }
  // Each scanline is prefixed by its filter type (0 = none).
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width); dv.setUint32(4, height);
  ihdr[8] = 8; ihdr[9] = channels === 1 ? 0 : 2; // bit depth 8; colour type gray / truecolour
  const chunks: [string, Uint8Array][] = [["IHDR", ihdr], ["IDAT", opts.deflate ? opts.deflate(raw) : zlibStored(raw)], ["IEND", new Uint8Array(0)]];
  const total = 8 + chunks.reduce((n, [, d]) => n + 12 + d.length, 0);
  const out = new Uint8Array(total);
  const ov = new DataView(out.buffer);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let o = 8;
  for (const [type, data] of chunks) {
    ov.setUint32(o, data.length);
    for (let i = 0; i < 4; i++) out[o + 4 + i] = type.charCodeAt(i);
    out.set(data, o + 8);
    ov.setUint32(o + 8 + data.length, crc32(out.subarray(o + 4, o + 8 + data.length)));
    o += 12 + data.length;
  }
  return out;
}

/** Options of `imageGrid` / `gridPng`. */
export interface ImageGridOptions {
  /** Images per row (default: ceil(sqrt(N))). */
  nrow?: number;
  /** Pixels between tiles (default 2). */
  padding?: number;
  /** Value range mapped to black..white (default [0, 1]; use [-1, 1] for tanh outputs). */
  range?: [number, number];
  /** Gray level of the padding, 0..255 (default 255: white). */
  padValue?: number;
}

/**
 * Tiles a batch of grayscale images [N, 1, H, W] or [N, H, W] into one 8-bit image
 * (torchvision's `make_grid`, with `nrow` images per row). Values are clamped to `range`.
 */
export function imageGrid(images: Tensor, opts: ImageGridOptions = {}): { pixels: Uint8Array; width: number; height: number } {
  const s = images.shape;
  if (!((s.length === 4 && s[1] === 1) || s.length === 3)) {
    throw new RangeError(`imageGrid: expected grayscale images [N, 1, H, W] or [N, H, W], got [${s.join(", ")}]`);
  }
  const [n, h, w] = [s[0], s[s.length - 2], s[s.length - 1]];
  const nrow = opts.nrow ?? Math.ceil(Math.sqrt(n));
  const ncol = Math.max(1, Math.ceil(n / nrow));
  const pad = opts.padding ?? 2;
  const [lo, hi] = opts.range ?? [0, 1];
  const width = nrow * (w + pad) + pad, height = ncol * (h + pad) + pad;
  const pixels = new Uint8Array(width * height).fill(opts.padValue ?? 255);
  const d = images.data();
  for (let k = 0; k < n; k++) {
    const x0 = pad + (k % nrow) * (w + pad), y0 = pad + Math.floor(k / nrow) * (h + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = (Number(d[k * h * w + y * w + x]) - lo) / (hi - lo);
        pixels[(y0 + y) * width + x0 + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }
  return { pixels, width, height };
}

/**
 * A PNG file of the images tiled into a grid (see `imageGrid`).
 * @example fs.writeFileSync("samples.png", gridPng(fake, { nrow: 8, range: [-1, 1] }));
 */
export function gridPng(images: Tensor, opts: ImageGridOptions & PngOptions = {}): Uint8Array {
  const { pixels, width, height } = imageGrid(images, opts);
  return encodePng(pixels, width, height, 1, opts);
}
