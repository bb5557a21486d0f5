/**
 * The training worker: holds the data and the network, trains in short slices (so it
 * keeps answering messages), and after each slice posts what the page draws: losses and
 * accuracies, per-layer gradient norms, weight histograms, the decision map and each
 * hidden neuron's output over the input plane. The page thread never runs a kernel.
 */
import * as my from "myelin";
import { buildSession, prepareData, trainBatch, type CsvTable, type MnistSubset, type Prepared, type Session } from "./net.js";
import type { State } from "./state.js";
import type { FromWorker, ToWorker, Update } from "./protocol.js";

type Tensor = my.Tensor;
const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

/**
 * ---- DEVICE CHOICE: the one place the playground picks where tensors live. ----
 * Today: the CPU device on the wasm backend (SIMD kernels; threads when the page is
 * cross-origin isolated). When the WebGPU tensor device is integrated, this becomes
 * `if (await my.webgpu.init()) return "webgpu";` before the wasm fallback, and the
 * model/batches move with `.to(device)` (reads then need the async forms).
 */
async function chooseDevice(): Promise<{ device: "cpu"; backend: string }> {
  await my.ready();
  try { my.setBackend("wasm"); } catch { /* no SIMD/SharedArrayBuffer: the JS backend stays (correct, slower) */ }
  return { device: "cpu", backend: my.backend() };
}

/** Grid sizes of the decision map and of each neuron's mini map. */
const GRID = 60, NGRID = 24, MAX_NEURON_MAPS = 16, HIST_BINS = 24;

let data: Prepared | null = null;
let sess: Session | null = null;
let csv: CsvTable | null = null;
let mnist: MnistSubset | null = null;
let running = false;
let speed = 0;
/** How long the last report took: a slice trains at least twice that long, so big data sets still mostly train. */
let reportMs = 0;
let step = 0, epoch = 0;
let batches: Iterator<Tensor[]> | null = null;
/** Per-step gradient norms (one per weighted layer) since the last report. */
let gradTrace: number[][] = [];
/** Most gradient-norm samples one report carries (evenly spaced over its steps). */
const GRAD_SAMPLES = 16;
let bounds = { x0: -1.2, x1: 1.2, y0: -1.2, y1: 1.2 };

function setup(s: State): void {
  running = false;
  data = prepareData(s, csv, mnist);
  sess = buildSession(s, data);
  step = 0; epoch = 0; batches = null;
  gradTrace = [];
  if (data.inDim === 2) {
    const p = data.points.x;
    let lo = Infinity, hi = -Infinity;
    for (const v of p) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const m = Math.max(Math.abs(lo), Math.abs(hi)) * 1.1;
    bounds = { x0: -m, x1: m, y0: -m, y1: m };
  }
  post({ type: "setup", kind: data.kind, inDim: data.inDim, classes: data.classes, points: data.points, bounds,
    layerNames: sess.weighted.map((w) => w.name), params: sess.model.numParameters(), n: data.xTrain.shape[0] + data.xTest.shape[0] });
  report();
}

/** One training step; false once the loss is no longer finite (training diverged). */
function oneStep(): boolean {
  const s = sess!;
  if (!batches) batches = s.loader[Symbol.iterator]() as Iterator<Tensor[]>;
  let next = batches.next();
  if (next.done) {
    epoch++;
    s.scheduler?.step();
    batches = s.loader[Symbol.iterator]() as Iterator<Tensor[]>;
    next = batches.next();
  }
  const [xb, yb] = next.value;
  const loss = trainBatch(s, xb, yb, () => {
    gradTrace.push(s.weighted.map((w) => (w.weight.grad ? w.weight.grad.norm().item() : 0)));
  });
  step++;
  return Number.isFinite(loss.item());
}

/** Loss and accuracy (classification) of the model in eval mode on one split. */
function evaluate(x: Tensor, y: Tensor): { loss: number; acc: number | null } {
  const s = sess!;
  const out = s.model.forward(x);
  const loss = s.loss(out, y).item();
  const acc = data!.kind === "classification" ? out.argmax(1).eq(y).float().mean().item() : null;
  return { loss, acc };
}

/** Points of a g×g grid over the input plane, row-major from the top (y1) down. */
function grid(g: number): Tensor {
  const pts = new Float32Array(g * g * 2);
  for (let r = 0; r < g; r++) for (let c = 0; c < g; c++) {
    const i = r * g + c;
    pts[2 * i] = bounds.x0 + ((c + 0.5) / g) * (bounds.x1 - bounds.x0);
    pts[2 * i + 1] = bounds.y1 - ((r + 0.5) / g) * (bounds.y1 - bounds.y0);
  }
  return my.tensor(pts, { shape: [g * g, 2] });
}

/** Each hidden layer's output (the input of the next Linear) over a grid: [layer][neuron * g*g]. */
function neuronMaps(): Update["neurons"] {
  const mods = [...sess!.model.children()];
  let h = grid(NGRID);
  const maps: Update["neurons"] = [];
  mods.forEach((m, i) => {
    if (i > 0 && m instanceof my.nn.Linear) maps.push({ g: NGRID, maps: h.slice(1, 0, Math.min(h.shape[1], MAX_NEURON_MAPS)).t().contiguous().data() as Float32Array });
    h = m.forward(h) as Tensor;
  });
  return maps;
}

/** MNIST: each conv block's feature maps (after its ReLU) for the first test image. */
function featureMaps(): Update["neurons"] {
  let h = data!.xTest.slice(0, 0, 1);
  const maps: Update["neurons"] = [];
  for (const m of sess!.model.children()) {
    h = m.forward(h) as Tensor;
    if (m instanceof my.nn.ReLU && h.ndim === 4) maps.push({ g: h.shape[2], maps: h.slice(1, 0, Math.min(h.shape[1], MAX_NEURON_MAPS)).contiguous().data() as Float32Array });
  }
  return maps;
}

/** MNIST: the first test digits with the model's prediction and a saliency map for it (myelin's explain.Saliency). */
function digits(): Update["digits"] {
  const n = 8, x = data!.xTest.slice(0, 0, n), labels = data!.yTest.slice(0, 0, n).data();
  const pred = my.noGrad(() => sess!.model.forward(x).argmax(1)) as Tensor;
  const sal = new my.explain.Saliency(sess!.model).attribute(x, { target: pred });
  const img = x.data() as Float32Array, s = sal.data() as Float32Array, p = pred.data();
  return Array.from({ length: n }, (_, i) => ({
    image: img.slice(i * 784, (i + 1) * 784), label: labels[i], pred: p[i], saliency: s.slice(i * 784, (i + 1) * 784),
  }));
}

function histogram(w: Tensor): { lo: number; hi: number; counts: number[] } {
  const v = w.data();
  let m = 0;
  for (const x of v) if (Number.isFinite(x)) m = Math.max(m, Math.abs(x));
  m = m || 1;
  const counts = new Array(HIST_BINS).fill(0);
  for (const x of v) if (Number.isFinite(x)) counts[Math.min(HIST_BINS - 1, Math.floor(((x + m) / (2 * m)) * HIST_BINS))]++;
  return { lo: -m, hi: m, counts };
}

function report(): void {
  const s = sess!, d = data!;
  s.model.eval();
  const u: Update = my.noGrad(() => {
    const tr = evaluate(d.xTrain, d.yTrain), te = evaluate(d.xTest, d.yTest);
    const upd: Update = {
      type: "update", step, epoch, trainLoss: tr.loss, testLoss: te.loss, trainAcc: tr.acc, testAcc: te.acc,
      gradNorms: gradTrace.length <= GRAD_SAMPLES ? gradTrace
        : Array.from({ length: GRAD_SAMPLES }, (_, k) => gradTrace[Math.floor(((k + 1) * gradTrace.length) / GRAD_SAMPLES) - 1]),
      histograms: s.weighted.map((w) => histogram(w.weight)),
      lr: s.optimizer.paramGroups[0].lr as number,
      decision: null, neurons: [], grid: GRID, digits: [],
    };
    if (d.inDim === 2) {
      const out = s.model.forward(grid(GRID));
      upd.decision = (d.kind === "classification" ? my.F.softmax(out, 1) : out).data() as Float32Array;
      upd.neurons = neuronMaps();
    } else if (d.inDim === 784) {
      upd.neurons = featureMaps();
    }
    return upd;
  });
  // Saliency needs gradients, so it runs outside noGrad (still in eval mode).
  if (d.inDim === 784) u.digits = digits();
  s.model.train();
  gradTrace = [];
  post(u, [...(u.decision ? [u.decision.buffer] : []), ...u.neurons.map((n) => n.maps.buffer)] as Transferable[]);
  if (!Number.isFinite(u.trainLoss) && running) {
    running = false;
    post({ type: "stopped", reason: "the loss is no longer finite: training diverged (lower the learning rate or fix the initialisation)" });
  }
}

function loop(): void {
  if (!running || !sess) return;
  const t0 = performance.now();
  try {
    // Slices of ~60 ms: long enough to amortise the report, short enough to stay responsive.
    const budget = Math.max(60, 2 * reportMs);
    // A slice ends early when the loss blows up, so the gradient-norm trace shows the explosion step by step.
    if (speed > 0) for (let k = 0; k < speed && performance.now() - t0 < budget && oneStep(); k++);
    else while (performance.now() - t0 < budget && oneStep());
    const r0 = performance.now();
    report();
    reportMs = performance.now() - r0;
  } catch (e) {
    running = false;
    post({ type: "error", message: (e as Error).message });
  }
  schedule();
}

let pending = false;
/** Queues the next slice once (a second "run" while one is queued must not start a second loop). */
function schedule(): void {
  if (pending || !running) return;
  pending = true;
  setTimeout(() => { pending = false; loop(); }, speed > 0 ? 30 : 0);
}

function weights(): void {
  const bytes = my.io.toSafetensors(sess!.model.stateDict(), { source: "myelin playground", step: String(step) });
  post({ type: "weights", bytes }, [bytes.buffer]);
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    if (m.type === "csv") csv = m.table;
    else if (m.type === "mnist") mnist = m.subset;
    else if (m.type === "setup") setup(m.state);
    else if (m.type === "run") { running = m.on && !!sess; schedule(); }
    else if (m.type === "speed") speed = m.steps;
    else if (m.type === "step") { if (sess) { oneStep(); report(); } }
    else if (m.type === "weights") { if (sess) weights(); }
  } catch (err) {
    running = false;
    post({ type: "error", message: (err as Error).message });
  }
};

chooseDevice().then((d) => post({ type: "ready", device: d.device, backend: d.backend }),
  (err) => post({ type: "error", message: `device setup failed: ${(err as Error).message}` }));
