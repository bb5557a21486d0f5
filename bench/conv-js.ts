/**
 * Benchmark of conv2d: forward and forward+backward time of a 64x32x14x14 input with
 * 64 3x3 filters (padding 1, bias), with a breakdown into im2col, GEMMs and col2im, on
 * the JS reference backend and then on the default backend (wasm GEMM where available;
 * im2col/col2im are JS on both).
 * Run: node --import tsx bench/conv-js.ts
 */
import * as my from "../src/index.js";
import { currentBackend } from "../src/backends/backend.js";

/** CPU milliseconds used by this process since `since` (the machine is shared; the code is single-threaded). */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** Best-of-`n` CPU time of one call, after a warm-up call. */
function best(fn: () => void, n = 5): number {
  fn();
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    fn();
    b = Math.min(b, cpuMs(c0));
  }
  return b;
}

const gen = new my.Generator(0);
const [N, C, H, W, O, K] = [64, 32, 14, 14, 64, 3];
const x = my.randn([N, C, H, W], { generator: gen }).requiresGrad_(true);
const w = my.randn([O, C, K, K], { generator: gen }).mul(0.1).detach().requiresGrad_(true);
const b = my.zeros([O]).requiresGrad_(true);
const gy = my.randn([N, O, H, W], { generator: gen });

function run(): void {
  const fwd = best(() => void my.noGrad(() => my.F.conv2d(x, w, b, { padding: 1 })));
  const fwdBwd = best(() => {
    x.grad = w.grad = b.grad = null;
    my.F.conv2d(x, w, b, { padding: 1 }).backward(gy);
  });

  // Kernel breakdown on raw arrays.
  const L = H * W, Kc = C * K * K;
  const g = { C, H, W, kH: K, kW: K, padT: 1, padL: 1, sH: 1, sW: 1, dH: 1, dW: 1, oH: H, oW: W };
  const cols = new Float32Array(N * Kc * L), img = new Float32Array(N * C * H * W), y = new Float32Array(N * O * L);
  const gw = new Float32Array(N * O * Kc);
  const tIm2col = best(() => currentBackend().im2col(x._data, N, g, cols));
  const tCol2im = best(() => currentBackend().col2im(cols, N, g, img));
  const tGemmF = best(() => currentBackend().matmul(w._data, cols, y, N, O, L, Kc, false, false, 0, Kc * L));
  const tGemmDx = best(() => currentBackend().matmul(w._data, y, cols, N, Kc, L, O, true, false, 0, O * L));
  const tGemmDw = best(() => currentBackend().matmul(y, cols, gw, N, O, Kc, L, false, true, O * L, Kc * L));
  const flops = 2 * N * O * Kc * L;

  console.log(`conv2d ${N}x${C}x${H}x${W}, ${O} ${K}x${K} filters, padding 1, float32, ${my.backend()} backend (CPU ms of all threads, best of 5)`);
  console.log(`  forward:            ${fwd.toFixed(1)} ms  (${(flops / fwd / 1e6).toFixed(2)} GFLOP/s)`);
  console.log(`  forward + backward: ${fwdBwd.toFixed(1)} ms  (${((3 * flops) / fwdBwd / 1e6).toFixed(2)} GFLOP/s)`);
  console.log(`  im2col ${tIm2col.toFixed(1)} ms, col2im ${tCol2im.toFixed(1)} ms, GEMM fwd ${tGemmF.toFixed(1)} ms, ` +
    `GEMM dX (transA) ${tGemmDx.toFixed(1)} ms, GEMM dW (transB, per-sample) ${tGemmDw.toFixed(1)} ms`);
}

const dflt = my.backend();
my.setBackend("js");
run();
if (dflt !== "js") {
  my.setBackend(dflt as my.BackendName);
  run();
}
