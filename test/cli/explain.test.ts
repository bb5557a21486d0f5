// `myelin explain`: usage errors, and a real run on a checkpoint trained here on an MNIST
// subset: the overlay PNG is written, decodes to 28*scale pixels, and where the digit's
// attribution is zero the overlay shows the digit's own grey values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";
import { main } from "../../src/cli/main.js";
import { decodePng } from "../../src/models/png-decode.js";
import { my } from "../helpers.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "myelin-explain-"));

test("myelin explain: usage errors exit 2 naming the flag", async () => {
  assert.match((await run("explain", "--help")).out, /--method <s>|--method/);
  const cases: [string[], RegExp][] = [
    [["explain"], /missing checkpoint path/],
    [["explain", "c.safetensors"], /missing --input/],
    [["explain", "c.safetensors", "--input", "d.png", "--method", "lime"], /unknown --method "lime"; one of: saliency/],
    [["explain", "c.safetensors", "--input", "d.png", "--sign", "up"], /--sign must be/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.match(r.err, re);
  }
});

test("myelin explain writes an integrated-gradients overlay of a test digit", async () => {
  const out = join(tmp, "mlp");
  const t = await run("train", "mnist-mlp", "--train-size", "1000", "--epochs", "1", "--batch-size", "100", "--out", out, "--quiet");
  assert.equal(t.code, 0, t.err);
  const [x] = my.data.mnist(undefined, { train: false }).get(0) as [my.Tensor, my.Tensor];
  const px = new Uint8Array(Array.from(x.data() as Float32Array, (v) => Math.round(v * 255)));
  const digit = join(tmp, "digit.png");
  writeFileSync(digit, my.models.encodePng(px, 28, 28, 1, { deflate: (d) => new Uint8Array(deflateSync(d)) }));
  const r = await run("explain", join(out, "checkpoint.safetensors"), "--method", "integrated-gradients", "--input", digit, "--scale", "2", "--steps", "20");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /mnist-mlp: predicted \d \(p = [01]\.\d{3}\); integrated-gradients for class \d written to .*digit\.integrated-gradients\.png/);
  const img = decodePng(new Uint8Array(readFileSync(join(tmp, "digit.integrated-gradients.png"))), (d) => new Uint8Array(inflateSync(d)));
  assert.deepEqual([img.width, img.height, img.channels], [56, 56, 3]);
  // IG with a zero baseline gives exactly zero where the pixel is 0: those pixels stay black.
  let black = 0, coloured = 0;
  for (let i = 0; i < 28 * 28; i++) {
    const [yy, xx] = [Math.floor(i / 28) * 2, (i % 28) * 2];
    const p = img.pixels.subarray((yy * 56 + xx) * 3, (yy * 56 + xx) * 3 + 3);
    if (px[i] === 0) { assert.deepEqual(Array.from(p), [0, 0, 0], `pixel ${i}`); black++; }
    else if (p[0] !== p[1] || p[1] !== p[2]) coloured++;
  }
  assert.ok(black > 400 && coloured > 20, `black ${black}, coloured ${coloured}`);
});
