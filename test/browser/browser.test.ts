/**
 * Browser test: serves the built library (dist/, build/wasm/) and test/browser/page.html
 * from a tiny static server with COOP/COEP headers (so SharedArrayBuffer and wasm
 * threads are available), opens it in headless Chromium via playwright-core, and
 * asserts what page.js measured: backend, closed-form op results, two-spirals accuracy
 * of an MLP trained in the page, and a safetensors round trip. Builds nothing: skips
 * when dist/ is missing or /usr/bin/chromium (or $MYELIN_CHROMIUM) is not installed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");
/** Debian's chromium by default; MYELIN_CHROMIUM points elsewhere (e.g. a Chrome for Testing build). */
const CHROMIUM = process.env.MYELIN_CHROMIUM ?? "/usr/bin/chromium";
const SERVED = ["/dist/", "/build/wasm/", "/test/browser/"];
const TYPES: Record<string, string> = {
  ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html", ".map": "application/json",
  ".json": "application/json", ".wasm": "application/wasm", ".ts": "text/plain",
};

function skipReason(): string | null {
  if (!existsSync(join(ROOT, "dist", "index.js"))) return "dist/ is not built (run npm run build)";
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install chromium, or set MYELIN_CHROMIUM)`;
  return null;
}

/** Paths the page asked for that the server did not have (a browser-side import bug). */
const missing: string[] = [];

/** Static server for the SERVED prefixes only, cross-origin isolated. */
function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(ROOT, path);
    const ok = SERVED.some((p) => path.startsWith(p)) && file.startsWith(ROOT) && existsSync(file) && statSync(file).isFile();
    // ?no-isolation serves the document without COOP/COEP (a page on a plain static host).
    if (!new URL(req.url ?? "/", "http://x").searchParams.has("no-isolation")) {
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    }
    res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    res.setHeader("Cache-Control", "no-store");
    if (path === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (!ok) {
      missing.push(path);
      res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((res) => server.listen(0, "127.0.0.1", () => {
    const addr = server.address();
    res({ server, origin: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` });
  }));
}

interface PageResults {
  ok: boolean; error?: string; backend: string; variant: string | null; crossOriginIsolated: boolean;
  hardwareConcurrency: number; importMs: number; totalMs: number;
  ops: { matmul2x2: number[]; sigmoidErr: number; expRelErr: number; sumOnes: number; meanArange: number; softmax: number[];
    grad: number[]; conv: number[]; gemmParallelRuns: number; gemmRelErr: number };
  workers: { started: number; errors: number };
  train: { steps: number; losses: number[]; trainMs: number; trainAcc: number; testAcc: number };
  safetensors: { bytes: number; keys: string[]; headerEntries: Record<string, { dtype?: string; shape?: number[] }>;
    metadata?: Record<string, string>; maxDiff: number; shapesMatch: boolean; reloadedTestAcc: number };
}

const reason = skipReason();
type Ctx = Awaited<ReturnType<typeof import("playwright-core").chromium.launchPersistentContext>>;
let ctx: Ctx | undefined, server: Server | undefined, origin = "", userDataDir = "";

before(async () => {
  if (reason) return;
  const { chromium } = await import("playwright-core");
  ({ server, origin } = await serve());
  userDataDir = mkdtempSync(join(tmpdir(), "myelin-chromium-"));
  ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage"], // containers often have a tiny /dev/shm
  });
}, { timeout: 30_000 });

after(async () => {
  await ctx?.close();
  if (server) await new Promise((res) => server!.close(res));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Opens test/browser/page.html with `query`, waits for page.js and returns what it measured. */
async function runPage(query: string): Promise<PageResults> {
  const page = await ctx!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  try {
    missing.length = 0;
    await page.goto(`${origin}/test/browser/page.html${query}`);
    await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results !== undefined, undefined, { timeout: 10_000 });
    const r = await page.evaluate(() => (window as unknown as { __results: Promise<unknown> }).__results) as PageResults;
    assert.ok(r.ok, `page threw: ${r.error}`);
    assert.deepEqual(missing, [], "the page requested files the server does not have");
    assert.deepEqual(errors, []);
    return r;
  } finally {
    await page.close();
  }
}

/** Closed-form results every backend must reproduce (see page.js for the formulas). */
function checkOps(ops: PageResults["ops"]): void {
  assert.deepEqual(ops.matmul2x2, [19, 22, 43, 50]);
  assert.ok(ops.sigmoidErr < 1e-6, `sigmoid max error ${ops.sigmoidErr}`);
  assert.ok(ops.expRelErr < 1e-6, `exp max relative error ${ops.expRelErr}`);
  assert.equal(ops.sumOnes, 100000);
  assert.equal(ops.meanArange, 499.5);
  [1 / 6, 2 / 6, 3 / 6].forEach((v, i) => assert.ok(Math.abs(ops.softmax[i] - v) < 1e-6, `softmax[${i}] = ${ops.softmax[i]}`));
  assert.deepEqual(ops.grad, [3, 12, 27]);
  assert.deepEqual(ops.conv, [4, 6, 6, 6, 4, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 4, 6, 6, 6, 4]);
}

test("browser: dist/index.js in headless Chromium (wasm backend, ops, worker GEMM, MLP training, safetensors)", { skip: reason ?? false, timeout: 60_000 }, async () => {
  const r = await runPage("");
  console.log(`browser: backend=${r.backend} variant=${r.variant} crossOriginIsolated=${r.crossOriginIsolated} ` +
    `cores=${r.hardwareConcurrency} workers=${r.workers.started} import=${r.importMs.toFixed(0)}ms ` +
    `train ${r.train.steps} steps ${r.train.trainMs.toFixed(0)}ms loss ${r.train.losses.map((l) => l.toFixed(3)).join(" ")} ` +
    `acc train ${r.train.trainAcc} test ${r.train.testAcc}; total ${r.totalMs.toFixed(0)}ms`);

  // Environment: cross-origin isolation gives SharedArrayBuffer, so the SIMD wasm backend loads.
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.backend, "wasm");
  assert.ok(r.variant === "relaxed" || r.variant === "simd", `variant ${r.variant}`);

  checkOps(r.ops);
  assert.ok(r.ops.gemmRelErr < 1e-5, `threaded GEMM relative error ${r.ops.gemmRelErr}`);
  // The big GEMM ran split across Web Workers on the shared wasm memory.
  assert.ok(r.workers.started >= 1 && r.workers.errors === 0, `workers ${JSON.stringify(r.workers)}`);
  assert.ok(r.ops.gemmParallelRuns >= 1, "the 256x256x256 GEMM did not run on the worker pool");

  // Two spirals: held-out accuracy of the MLP trained in the page.
  assert.ok(r.train.losses[r.train.losses.length - 1] < r.train.losses[0] / 5, `losses ${r.train.losses}`);
  assert.ok(r.train.testAcc >= 0.95, `two-spirals held-out accuracy ${r.train.testAcc}`);

  // Safetensors: header per the format spec, exact values back, the reloaded model predicts the same.
  const keys = ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"];
  assert.deepEqual(r.safetensors.keys, keys);
  assert.deepEqual(r.safetensors.headerEntries["0.weight"], { dtype: "F32", shape: [64, 2] });
  assert.deepEqual(r.safetensors.headerEntries["4.bias"], { dtype: "F32", shape: [2] });
  assert.deepEqual(r.safetensors.metadata, { task: "spirals" });
  const floats = 64 * 2 + 64 + 64 * 64 + 64 + 2 * 64 + 2;
  assert.ok(r.safetensors.bytes >= 8 + 4 * floats, `file of ${r.safetensors.bytes} bytes holds ${floats} float32s`);
  assert.equal(r.safetensors.maxDiff, 0);
  assert.equal(r.safetensors.shapesMatch, true);
  assert.equal(r.safetensors.reloadedTestAcc, r.train.testAcc);
});

// Without COOP/COEP there is no SharedArrayBuffer: Chromium still instantiates the shared
// wasm memory (backend "wasm", single-threaded); engines that refuse it fall back to "js".
// Either way the ops must be right and no worker may start.
test("browser: a page without cross-origin isolation still computes correctly, single-threaded", { skip: reason ?? false, timeout: 30_000 }, async () => {
  const r = await runPage("?no-isolation&ops-only");
  console.log(`browser (not isolated): backend=${r.backend} variant=${r.variant} workers=${r.workers.started} gemmParallelRuns=${r.ops.gemmParallelRuns}`);
  assert.equal(r.crossOriginIsolated, false);
  assert.ok(r.backend === "wasm" || r.backend === "js", `backend ${r.backend}`);
  checkOps(r.ops);
  assert.ok(r.ops.gemmRelErr < 1e-5, `GEMM relative error ${r.ops.gemmRelErr}`);
  assert.deepEqual(r.workers, { started: 0, errors: 0 });
  assert.equal(r.ops.gemmParallelRuns, 0);
});
