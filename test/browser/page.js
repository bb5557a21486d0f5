// In-page part of test/browser/browser.test.ts: loads the built library (/dist/index.js,
// served with COOP/COEP so SharedArrayBuffer and worker threads exist), runs ops whose
// results are known in closed form, trains an MLP on two spirals and round-trips its
// weights through safetensors. Results go to window.__results for page.evaluate; the
// Node side asserts them (this file only measures).

// Count Web Workers the wasm pool starts (and their errors) before the library loads.
const NativeWorker = globalThis.Worker;
window.__workers = { started: 0, errors: 0 };
globalThis.Worker = class extends NativeWorker {
  constructor(...a) {
    super(...a);
    window.__workers.started++;
    this.addEventListener("error", () => window.__workers.errors++);
  }
};

/** Deterministic uniform [0, 1) generator (mulberry32) for the synthetic data. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two interleaved spirals (1.5 turns each), `n` points per class, small Gaussian-ish noise. */
function spirals(n, seed) {
  const r = rng(seed);
  const xs = new Float32Array(4 * n), ys = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) {
    const cls = i % 2, t = 0.25 + 2.75 * r(); // angle in turns of pi
    const a = t * Math.PI * 1.1 + cls * Math.PI, rad = t / 3;
    const noise = () => (r() + r() + r() - 1.5) * 0.03;
    xs[2 * i] = rad * Math.cos(a) + noise();
    xs[2 * i + 1] = rad * Math.sin(a) + noise();
    ys[i] = cls;
  }
  return { xs, ys };
}

const maxAbsDiff = (a, b) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length && i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

async function run() {
  const t0 = performance.now();
  const my = await import("/dist/index.js");
  const wasmIndex = await import("/dist/backends/wasm/index.js");
  const wasmMatmul = await import("/dist/backends/wasm/matmul.js");
  const { nn, F, optim, io } = my;
  const out = {
    backend: my.backend(),
    variant: wasmIndex.wasmVariant(),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    importMs: performance.now() - t0,
    ops: {},
  };

  // 2x2 matmul: [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]].
  out.ops.matmul2x2 = Array.from(my.tensor([[1, 2], [3, 4]]).matmul(my.tensor([[5, 6], [7, 8]])).data());

  // sigmoid/exp over 1001 points (wasm SIMD maps) vs Math.
  const xs = my.linspace(-4, 4, 1001), xd = xs.data();
  const sig = xs.sigmoid().data(), ex = xs.exp().data();
  out.ops.sigmoidErr = maxAbsDiff(sig, Array.from(xd, (v) => 1 / (1 + Math.exp(-v))));
  out.ops.expRelErr = Math.max(...Array.from(ex, (v, i) => Math.abs(v - Math.exp(xd[i])) / Math.exp(xd[i])));

  // Reductions: sum of 100000 ones; mean of arange(1000) = 499.5.
  out.ops.sumOnes = my.ones([100000]).sum().item();
  out.ops.meanArange = my.arange(1000).float().mean().item();

  // softmax([0, ln 2, ln 3]) = [1/6, 2/6, 3/6].
  out.ops.softmax = Array.from(F.softmax(my.tensor([0, Math.log(2), Math.log(3)]), 0).data());

  // Autograd: d/dx sum(x^3) = 3x^2 at [1, 2, 3] -> [3, 12, 27].
  const g = my.tensor([1, 2, 3], { requiresGrad: true });
  g.mul(g).mul(g).sum().backward();
  out.ops.grad = Array.from(g.grad.data());

  // conv2d of ones [1,1,5,5] with a ones 3x3 kernel, padding 1: corner 4, edge 6, inside 9.
  out.ops.conv = Array.from(F.conv2d(my.ones([1, 1, 5, 5]), my.ones([1, 1, 3, 3]), undefined, { padding: 1 }).data());

  // Threaded GEMM: A[i,k] = (i - k)/64, B[k,j] = (k + j)/64, K = 256;
  // (AB)[i,j] = (K*i*j + (i - j)*S1 - S2) / 4096 with S1 = sum k, S2 = sum k^2.
  my.setNumThreads(4);
  await wasmIndex.wasmThreadsReady();
  // 2*M*K*N must reach the pool threshold (GEMM_THREAD_MIN_FLOPS = 2^24).
  const M = 256, K = 256, N = 256;
  const A = my.arange(M).reshape([M, 1]).sub(my.arange(K).reshape([1, K])).div(64);
  const Bm = my.arange(K).reshape([K, 1]).add(my.arange(N).reshape([1, N])).div(64);
  const before = wasmMatmul.gemmStats.parallel;
  const C = A.matmul(Bm).data();
  out.ops.gemmParallelRuns = wasmMatmul.gemmStats.parallel - before;
  const S1 = (K * (K - 1)) / 2, S2 = ((K - 1) * K * (2 * K - 1)) / 6;
  let gemmErr = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    const want = (K * i * j + (i - j) * S1 - S2) / 4096;
    gemmErr = Math.max(gemmErr, Math.abs(C[i * N + j] - want) / Math.max(1, Math.abs(want)));
  }
  out.ops.gemmRelErr = gemmErr;
  out.workers = { ...window.__workers };
  // ?ops-only (the page without cross-origin isolation) stops here.
  if (new URLSearchParams(location.search).has("ops-only")) return out;

  // Two spirals: 2-64-64-2 MLP, Adam, full-batch manual loop; accuracy on held-out points.
  my.manualSeed(0);
  const train = spirals(200, 1), test = spirals(500, 2);
  const xTr = my.tensor(train.xs, { shape: [400, 2] }), yTr = my.tensor(train.ys, { shape: [400] });
  const xTe = my.tensor(test.xs, { shape: [1000, 2] }), yTe = my.tensor(test.ys, { shape: [1000] });
  const model = new nn.Sequential(new nn.Linear(2, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 2));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const t1 = performance.now();
  const losses = [];
  const steps = 300;
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(xTr), yTr);
    loss.backward();
    opt.step();
    if (s % 100 === 0 || s === steps - 1) losses.push(loss.item());
  }
  const accuracy = (m, x, y) => my.noGrad(() => m.forward(x).argmax(1).eq(y).float().mean().item());
  out.train = { steps, losses, trainMs: performance.now() - t1, trainAcc: accuracy(model, xTr, yTr), testAcc: accuracy(model, xTe, yTe) };

  // Safetensors round trip of the trained weights, checked against the format spec.
  const sd = model.stateDict();
  const bytes = io.toSafetensors(sd, { task: "spirals" });
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  const back = io.fromSafetensors(bytes);
  const fresh = new nn.Sequential(new nn.Linear(2, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 2));
  fresh.loadStateDict(back);
  out.safetensors = {
    bytes: bytes.length,
    keys: Object.keys(back).sort(),
    headerEntries: Object.fromEntries(Object.keys(sd).map((k) => [k, { dtype: header[k]?.dtype, shape: header[k]?.shape }])),
    metadata: header.__metadata__,
    maxDiff: Math.max(...Object.keys(sd).map((k) => maxAbsDiff(sd[k].data(), back[k]?.data() ?? []))),
    shapesMatch: Object.keys(sd).every((k) => JSON.stringify(sd[k].shape) === JSON.stringify(back[k]?.shape)),
    reloadedTestAcc: accuracy(fresh, xTe, yTe),
  };
  out.totalMs = performance.now() - t0;
  return out;
}

window.__results = run().then((r) => ({ ok: true, ...r }), (e) => ({ ok: false, error: String(e && e.stack || e) }));
