/**
 * The playground page: owns the State, mirrors it into the URL hash, starts the
 * training worker and draws what it reports. Every state change rebuilds the network in
 * the worker (as the old TensorFlow Playground did), so the picture always matches the
 * settings and the exported code.
 */
import { decodeState, encodeState, PRESETS, type State } from "./state.js";
import { initControls, renderControls, showColumns, type Change } from "./controls.js";
import { drawDecision, drawHistogram, drawLines, drawNeuron, drawPoints, layerColor } from "./draw.js";
import { exportCode } from "./codegen.js";
import DATASETS_SOURCE from "raw:./datasets.js";
import { parseCsv } from "./datasets.js";
import type { FromWorker, SetupInfo, ToWorker, Update } from "./protocol.js";
import type { CsvTable } from "./net.js";
import { loadMnist, mnistAvailable, mnistServed, drawDigits } from "./mnist.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (msg: string) => { $("status").textContent = msg; };

let state: State;
let csv: CsvTable | null = null;
let info: SetupInfo | null = null;
let last: Update | null = null;
let running = false;
let ready = false;
/** What was wrong with the link the page opened (kept in the status line until the next edit). */
let note = "";
/** Curves over updates (halved when long, so drawing stays cheap). */
let hist = { trainLoss: [] as number[], testLoss: [] as number[], trainAcc: [] as number[], testAcc: [] as number[], grads: [] as number[][] };

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const send = (m: ToWorker) => worker.postMessage(m);

/** Makes `next` the state: URL, controls, and a fresh network in the worker. */
function apply(next: State): void {
  state = next;
  history.replaceState(null, "", `#${encodeState(state)}`);
  renderControls(state, change);
  if (csv && state.dataset === "csv") showColumns(csv.columns, state, change);
  void rebuild();
}

/** Applies a user's edit when it changes anything. */
const change: Change = (edit) => {
  const next = edit(state);
  if (JSON.stringify(next) === JSON.stringify(state)) return;
  note = "";
  apply(next);
};

async function rebuild(): Promise<void> {
  setRunning(false);
  hist = { trainLoss: [], testLoss: [], trainAcc: [], testAcc: [], grads: [] };
  last = null;
  $("exported-code").textContent = "";
  // Clear the readouts: the new network's first report may take a moment (MNIST), and stale numbers would mislead.
  $("step-count").textContent = "0";
  $("epoch").textContent = "0";
  for (const id of ["test-accuracy", "test-loss", "train-loss"]) $(id).textContent = "–";
  if (!ready) return;
  if (state.dataset === "csv" && !csv) {
    status("This link uses a CSV file, which links do not carry: load the file again (the column choice is kept).");
    return;
  }
  if (state.dataset === "mnist") {
    try {
      status("loading the MNIST subset…");
      send({ type: "mnist", subset: await loadMnist() });
    } catch (e) {
      status((e as Error).message);
      return;
    }
  }
  send({ type: "setup", state });
}

function setRunning(on: boolean): void {
  running = on;
  const b = $("train-toggle");
  b.textContent = on ? "Pause" : "Train";
  b.setAttribute("aria-pressed", String(on));
  send({ type: "run", on });
}

function pct(v: number | null): string {
  return v === null || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(1)}%`;
}

function onUpdate(u: Update): void {
  last = u;
  $("step-count").textContent = String(u.step);
  $("epoch").textContent = String(u.epoch);
  $("test-accuracy").textContent = pct(u.testAcc);
  $("test-loss").textContent = Number.isFinite(u.testLoss) ? u.testLoss.toFixed(4) : "diverged";
  $("train-loss").textContent = Number.isFinite(u.trainLoss) ? u.trainLoss.toFixed(4) : "diverged";
  hist.trainLoss.push(u.trainLoss); hist.testLoss.push(u.testLoss);
  if (u.trainAcc !== null) { hist.trainAcc.push(u.trainAcc); hist.testAcc.push(u.testAcc!); }
  hist.grads.push(...u.gradNorms);
  if (hist.grads.length > 2000) hist.grads = hist.grads.filter((_, i) => i % 2 === 0);
  if (hist.trainLoss.length > 600) {
    const half = (a: number[]) => a.filter((_, i) => i % 2 === 0);
    hist = { ...hist, trainLoss: half(hist.trainLoss), testLoss: half(hist.testLoss), trainAcc: half(hist.trainAcc), testAcc: half(hist.testAcc) };
  }
  requestAnimationFrame(draw);
}

function draw(): void {
  if (!info || !last) return;
  const u = last;
  const dec = $<HTMLCanvasElement>("decision");
  if (u.decision) {
    drawDecision(dec, u.decision, u.grid, info.kind === "regression" ? 1 : info.classes.length);
    drawPoints(dec, info.points.x, info.points.y, info.points.nTrain, info.bounds, info.kind, $<HTMLInputElement>("show-test").checked);
  }
  drawNeurons(u);
  drawLines($("curves"), [
    { label: "train loss", color: "#0877bd", values: hist.trainLoss },
    { label: "test loss", color: "#0877bd", values: hist.testLoss, dashed: true },
    { label: "train acc", color: "#2ea043", values: hist.trainAcc },
    { label: "test acc", color: "#2ea043", values: hist.testAcc, dashed: true },
  ], { min: 0, max: Math.max(1, ...hist.trainLoss.slice(-50).filter(Number.isFinite)) });
  const n = info.layerNames.length;
  drawLines($("grads"), info.layerNames.map((name, i) => ({ label: name, color: layerColor(i, n), values: hist.grads.map((g) => g[i]) })), { log: true });
  const hs = $("hists");
  if (hs.children.length !== u.histograms.length) {
    hs.replaceChildren(...u.histograms.map((_, i) => {
      const f = document.createElement("figure");
      const c = Object.assign(document.createElement("canvas"), { width: 150, height: 70 });
      c.setAttribute("role", "img");
      c.setAttribute("aria-label", `Histogram of the weights of layer ${info!.layerNames[i]}`);
      const cap = document.createElement("figcaption");
      cap.textContent = `${info!.layerNames[i]}.weight`;
      f.append(c, cap);
      return f;
    }));
  }
  u.histograms.forEach((h, i) => drawHistogram(hs.children[i].querySelector("canvas")!, h));
}

function drawNeurons(u: Update): void {
  const box = $("neurons");
  const want = u.neurons.map((m) => m.maps.length / (m.g * m.g));
  const have = [...box.children].map((c) => c.children.length - 1);
  if (JSON.stringify(want) !== JSON.stringify(have)) {
    box.replaceChildren(...want.map((k, l) => {
      const row = document.createElement("div");
      row.className = "neuron-row";
      const h = document.createElement("span");
      h.textContent = `layer ${l + 1}`;
      h.setAttribute("aria-hidden", "true");
      row.append(h, ...Array.from({ length: k }, (_, j) => {
        const c = Object.assign(document.createElement("canvas"), { width: 40, height: 40 });
        c.setAttribute("role", "img");
        c.setAttribute("aria-label", `layer ${l + 1}, neuron ${j + 1} output`);
        return c;
      }));
      return row;
    }));
  }
  u.neurons.forEach((m, l) => {
    const cs = box.children[l].querySelectorAll("canvas");
    cs.forEach((c, j) => drawNeuron(c, m.maps, j * m.g * m.g, m.g));
  });
  if (u.digits.length) drawDigits($("mnist-view"), u.digits);
}

async function onCsvFile(f: File): Promise<void> {
  try {
    const table = parseCsv(await f.text());
    csv = table;
    send({ type: "csv", table });
    const numeric = table.columns.filter((_, j) => table.rows.every((r) => r[j] !== "" && Number.isFinite(Number(r[j]))));
    const target = state.dataset === "csv" && table.columns.includes(state.target) ? state.target : table.columns[table.columns.length - 1];
    const kept = state.features.filter((c) => numeric.includes(c) && c !== target);
    const features = kept.length ? kept : numeric.filter((c) => c !== target);
    status(`${f.name}: ${table.rows.length} rows, columns ${table.columns.join(", ")}`);
    apply({ ...state, dataset: "csv", target, features });
  } catch (e) {
    status(`${f.name}: ${(e as Error).message}`);
  }
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === "ready") {
    ready = true;
    document.body.dataset.backend = m.backend;
    send({ type: "speed", steps: Number($<HTMLSelectElement>("speed").value) });
    void rebuild();
  } else if (m.type === "setup") {
    info = m;
    $("mnist-box").hidden = state.dataset !== "mnist";
    $("decision").parentElement!.hidden = m.inDim !== 2;
    $("grad-legend").replaceChildren(...m.layerNames.map((name, i) => {
      const k = document.createElement("span");
      k.className = "key";
      k.style.setProperty("--c", layerColor(i, m.layerNames.length));
      k.textContent = `${name} `;
      return k;
    }));
    $("neurons-title").textContent = state.dataset === "mnist" ? "Feature maps of the first test digit (conv blocks 1 and 2)" : "Neurons";
    status(`${note}${m.params.toLocaleString("en-US")} parameters · ${m.inDim} inputs · ${m.kind} · backend ${document.body.dataset.backend}`);
  } else if (m.type === "update") onUpdate(m);
  else if (m.type === "weights") {
    const url = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
    const a = Object.assign(document.createElement("a"), { href: url, download: "myelin-playground.safetensors" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } else if (m.type === "stopped") { setRunning(false); status(m.reason); }
  else if (m.type === "error") { setRunning(false); status(`error: ${m.message}`); }
};

function exportNow(): void {
  if (!info) return;
  const stepsPerEpoch = Math.ceil(info.points.nTrain / state.batchSize) || 1;
  const trained = last ? last.step : 0;
  // The exported program trains whole epochs: as many as the page has started, or 100 if it has not trained yet.
  const epochs = trained > 0 ? Math.ceil(trained / stepsPerEpoch) : 100;
  const outDim = info.kind === "classification" ? info.classes.length : 1;
  $("exported-code").textContent = exportCode(state, { inDim: info.inDim, outDim, kind: info.kind, n: info.n, epochs, datasetsSource: DATASETS_SOURCE });
}

function fromHash(): void {
  const { state: s, problems } = decodeState(location.hash);
  note = problems.length ? `The link had problems (defaults used instead): ${problems.join("; ")}. ` : "";
  apply(s);
}

initControls(change, (name) => change((s) => PRESETS[name].apply(s)), (f) => void onCsvFile(f), mnistAvailable());
$("train-toggle").addEventListener("click", () => { if (info) setRunning(!running); });
$("step-once").addEventListener("click", () => { setRunning(false); send({ type: "step" }); });
$("speed").addEventListener("change", () => send({ type: "speed", steps: Number($<HTMLSelectElement>("speed").value) }));
$("reset").addEventListener("click", () => void rebuild());
$("show-test").addEventListener("change", () => requestAnimationFrame(draw));
$("export-code").addEventListener("click", exportNow);
$("copy-code").addEventListener("click", () => { if (!$("exported-code").textContent) exportNow(); void navigator.clipboard?.writeText($("exported-code").textContent ?? ""); });
$("download-weights").addEventListener("click", () => send({ type: "weights" }));
$("share").addEventListener("click", () => { void navigator.clipboard?.writeText(location.href); status("link copied"); });
window.addEventListener("hashchange", () => { if (location.hash.slice(1) !== encodeState(state)) fromHash(); });
fromHash();
// No MNIST button where the server lacks the subset (an npm install).
void mnistServed().then((ok) => { if (!ok) document.getElementById("dataset-mnist")?.remove(); });
