/**
 * A small PNG reader, the inverse of png.ts's writer: 8-bit grayscale, gray+alpha, RGB and
 * RGBA, non-interlaced, all five scanline filters. The zlib inflater is passed in (Node's
 * `zlib.inflateSync`), keeping this file free of Node imports. Used by `myelin explain`.
 */

export interface DecodedPng {
  width: number;
  height: number;
  /** Channels in `pixels`: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  pixels: Uint8Array;
}

const CHANNELS: Record<number, 1 | 2 | 3 | 4> = { 0: 1, 4: 2, 2: 3, 6: 4 };

/** Decodes PNG bytes; throws naming what is not supported. */
export function decodePng(bytes: Uint8Array, inflate: (data: Uint8Array) => Uint8Array): DecodedPng {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) throw new Error("decodePng: not a PNG file (bad signature)");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8, width = 0, height = 0, channels: 1 | 2 | 3 | 4 = 1;
  const idat: Uint8Array[] = [];
  while (o + 8 <= bytes.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (type === "IHDR") {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      const depth = data[8], ctype = data[9], interlace = data[12];
      if (depth !== 8 || !(ctype in CHANNELS) || interlace !== 0) {
        throw new Error(`decodePng: only 8-bit, non-interlaced gray/RGB(A) images are supported (bit depth ${depth}, colour type ${ctype}, interlace ${interlace})`);
      }
      channels = CHANNELS[ctype];
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    o += 12 + len;
  }
  if (!width || !idat.length) throw new Error("decodePng: missing IHDR or IDAT chunk");
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  let p = 0;
  for (const d of idat) { joined.set(d, p); p += d.length; }
  const raw = inflate(joined);
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error(`decodePng: image data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0, b = prev ? prev[i] : 0, c = prev && i >= channels ? prev[i - channels] : 0;
      let pred: number;
      if (f === 0) pred = 0;
      else if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`decodePng: unknown filter type ${f} in row ${y}`);
      out[i] = (line[i] + pred) & 255;
    }
  }
  return { width, height, channels, pixels: px };
}

/** Gray values in [0, 1] (RGB averaged, alpha composited over black). */
export function pngToGray(img: DecodedPng): Float32Array {
  const n = img.width * img.height, c = img.channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const px = img.pixels.subarray(i * c, i * c + c);
    const colour = c >= 3 ? (px[0] + px[1] + px[2]) / 3 : px[0];
    const alpha = c === 2 ? px[1] : c === 4 ? px[3] : 255;
    out[i] = (colour * alpha) / (255 * 255);
  }
  return out;
}
