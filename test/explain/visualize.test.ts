// Pictures of attributions (src/explain/visualize.ts) and the PNG reader
// (src/models/png-decode.ts): normalisation by the cumulative-mass threshold computed by
// hand, overlay pixels, PNG bytes checked with Node's zlib, HTML escaping, and every PNG
// scanline filter against rows filtered here by the PNG specification's formulas.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync, inflateSync } from "node:zlib";
import { assertClose, my } from "../helpers.js";
import { decodePng, pngToGray } from "../../src/models/png-decode.js";

const { explain } = my;
const inflate = (d: Uint8Array): Uint8Array => new Uint8Array(inflateSync(d));

test("normalizeAttr: channels summed, sign kept, scaled by the (100 - outlierPerc)% mass threshold", () => {
  // |values| 1, 2, 3, 94 (total 100): with outlierPerc 10 the cumulative mass reaches 90 only at 94;
  // with outlierPerc 95 it reaches 5 at 2 (1 + 2 = 3 < 5, + 3 = 6 >= 5 → threshold 3).
  const a = my.tensor([[[1, -2], [3, 94]]]);
  assertClose(Array.from(explain.normalizeAttr(a, "absolute_value", 10).values), [1 / 94, 2 / 94, 3 / 94, 1]);
  assertClose(Array.from(explain.normalizeAttr(a, "absolute_value", 95).values), [1 / 3, 2 / 3, 1, 1]);
  assertClose(Array.from(explain.normalizeAttr(a, "positive", 0).values), [1 / 94, 0, 3 / 94, 1]);
  assertClose(Array.from(explain.normalizeAttr(a, "all", 0).values), [1 / 94, -2 / 94, 3 / 94, 1]);
  const two = my.tensor([[[1, 0]], [[2, 0]]]); // [C=2, 1, 2]: channels add up
  assertClose(Array.from(explain.normalizeAttr(two, "all", 0).values), [1, 0]);
});

test("heatmapRgba over an image: zero attribution shows the grey image, full attribution the map's colour", () => {
  const attr = my.tensor([[0, 1], [-1, 0]]);
  const image = my.tensor([[0.5, 0.5], [0.2, 1]]);
  const { data, width, height } = explain.heatmapRgba(attr, { image, sign: "all", outlierPerc: 0, alpha: 1 });
  assert.deepEqual([width, height, data.length], [2, 2, 16]);
  assert.deepEqual(Array.from(data.subarray(0, 4)), [128, 128, 128, 255]); // 0.5 grey (127.5 rounds up)
  assert.deepEqual(Array.from(data.subarray(4, 8)), [255, 0, 0, 255]); // +1: red
  assert.deepEqual(Array.from(data.subarray(8, 12)), [0, 0, 255, 255]); // -1: blue
  assert.deepEqual(Array.from(data.subarray(12, 16)), [255, 255, 255, 255]);
  assert.throws(() => explain.heatmapRgba(attr, { image: my.zeros([3, 3]) }), /heatmapRgba: the image is 3x3 but the attribution is 2x2/);
});

test("heatmapPng writes a PNG whose pixels are the RGBA map's, enlarged", () => {
  const attr = my.tensor([[0, 1], [0.5, 0.25]]);
  const rgba = explain.heatmapRgba(attr);
  const png = explain.heatmapPng(attr, { scale: 3, deflate: (d) => new Uint8Array(deflateSync(d)) });
  const img = decodePng(png, inflate);
  assert.deepEqual([img.width, img.height, img.channels], [6, 6, 3]);
  for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
    const s = (Math.floor(y / 3) * 2 + Math.floor(x / 3)) * 4;
    assert.deepEqual(Array.from(img.pixels.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)), Array.from(rgba.data.subarray(s, s + 3)), `pixel ${x},${y}`);
  }
});

test("decodePng undoes every scanline filter (rows filtered here with the spec's formulas)", () => {
  const w = 3, ch = 2, stride = w * ch;
  const rows = [[10, 200, 30, 40, 250, 60], [15, 100, 35, 45, 5, 66], [0, 255, 128, 7, 9, 11], [1, 2, 3, 4, 5, 6], [99, 98, 97, 96, 95, 94]];
  const raw: number[] = [];
  rows.forEach((row, y) => {
    const f = y; // filters 0..4 in turn
    const prev = y ? rows[y - 1] : new Array(stride).fill(0);
    raw.push(f);
    row.forEach((v, i) => {
      const a = i >= ch ? row[i - ch] : 0, b = prev[i], c = i >= ch ? prev[i - ch] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, Math.floor((a + b) / 2), paeth][f];
      raw.push((v - pred + 256) & 255);
    });
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(rows.length, 4); ihdr[8] = 8; ihdr[9] = 4;
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0); b.write(type, 4, "ascii"); Buffer.from(data).copy(b, 8);
    return b; // decodePng does not check CRCs
  };
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.from(raw))), chunk("IEND", new Uint8Array(0))]);
  const img = decodePng(new Uint8Array(png), inflate);
  assert.deepEqual(Array.from(img.pixels), rows.flat());
  assertClose(Array.from(pngToGray(img).subarray(0, 1)), [(10 * 200) / (255 * 255)], { atol: 1e-6 });
  assert.throws(() => decodePng(new Uint8Array([1, 2, 3]), inflate), /not a PNG file/);
});

test("tokenHtml colours tokens by sign and size and escapes them", () => {
  const html = explain.tokenHtml(["<b>good</b>", "bad", "meh"], [2, -1, 0]);
  assert.match(html, /&lt;b&gt;good&lt;\/b&gt;/);
  assert.match(html, /title="2.000" style="background-color: rgba\(0, 160, 60, 1.000\)/);
  assert.match(html, /title="-1.000" style="background-color: rgba\(220, 40, 40, 0.500\)/);
  assert.match(html, /rgba\(0, 160, 60, 0.000\)[^>]*>meh/);
  assert.throws(() => explain.tokenHtml(["a"], [1, 2]), /tokenHtml: got 1 tokens but 2 attributions/);
});
