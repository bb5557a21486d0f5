/**
 * Time-series forecasting: one-step-ahead forecasts of classic R data sets
 * (AirPassengers, co2, nottem, ...) with an MLP, a 1-D CNN and an LSTM on sliding
 * windows, scored with MAE/RMSE on a chronological test split (the last 20% of the
 * series) against the last-value and seasonal-naive forecasts.
 *
 * Each window is made level-free (values minus the window's last value, on a log
 * scale for multiplicative series) and the model predicts the next change, so the
 * same network works on series with trend and at any level.
 *
 * Run: npx tsx examples/timeseries/train.ts [--data DIR] [--download [--mirror URL]] [series ...] [--model mlp|cnn|lstm]
 * Each series is read by my.data.TimeSeries from DIR/timeseries/<name>.csv or
 * DIR/<name>.csv (columns "time","value"; default DIR: ./data).
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";
const { CnnForecaster, LstmForecaster, MlpForecaster } = my.models;

const F = my.F;

/** A series: its file stem, seasonal period and whether it is modelled on a log scale. */
export interface SeriesSpec { name: string; period: number; log: boolean }

/** The series the example runs by default (period = observations per season). */
export const SERIES: SeriesSpec[] = [
  { name: "AirPassengers", period: 12, log: true },
  { name: "co2", period: 12, log: false },
  { name: "nottem", period: 12, log: false },
  { name: "UKgas", period: 4, log: true },
  { name: "USAccDeaths", period: 12, log: false },
  { name: "sunspot.month", period: 132, log: false },
];

export type ModelKind = "mlp" | "cnn" | "lstm";

export interface ForecastOptions {
  model?: ModelKind;
  /** Window length (default 2 periods, at least 12, at most 48). */
  window?: number;
  /** Fraction of forecast targets held out at the end (default 0.2). */
  testFraction?: number;
  /** Optimizer steps (minibatches) in all (default 500); epochs follow from the data size. */
  steps?: number;
  batchSize?: number;
  lr?: number;
  hidden?: number;
  seed?: number;
}

/** Errors of one forecaster on the test targets, in the series' own units. */
export interface Scores { mae: number; rmse: number }

export interface ForecastResult {
  series: string;
  model: ModelKind;
  trainWindows: number;
  testPoints: number;
  scores: Scores;
  lastValue: Scores;
  seasonalNaive: Scores;
  seconds: number;
}

/** The values of series `name` from the data folder `root` (see my.data.TimeSeries). */
export function loadSeries(name: string, root = "data", download = false, mirror?: string): Float64Array {
  return new my.data.TimeSeries({ root, name, download, downloadFlag: "--download", mirrors: mirror ? [mirror] : undefined }).values;
}

function scores(pred: ArrayLike<number>, truth: ArrayLike<number>): Scores {
  let a = 0, s = 0;
  for (let i = 0; i < truth.length; i++) {
    const e = pred[i] - truth[i];
    a += Math.abs(e);
    s += e * e;
  }
  return { mae: a / truth.length, rmse: Math.sqrt(s / truth.length) };
}

function buildModel(kind: ModelKind, window: number, hidden?: number): my.nn.Module {
  if (kind === "mlp") return new MlpForecaster(window, { hidden: hidden ?? 64 });
  if (kind === "cnn") return new CnnForecaster(window, { hidden: hidden ?? 16 });
  return new LstmForecaster({ hidden: hidden ?? 32 });
}

/**
 * Trains one forecaster on `values` and scores it on the last `testFraction` of the
 * one-step-ahead targets (each test forecast sees the true past, as the baselines do).
 */
export function forecast(name: string, values: Float64Array, spec: { period: number; log: boolean }, opts: ForecastOptions = {}): ForecastResult {
  const t0 = performance.now();
  const kind = opts.model ?? "mlp";
  const m = spec.period;
  const W = opts.window ?? Math.min(48, Math.max(12, 2 * m));
  const z = values.map((v) => (spec.log ? Math.log(v) : v));
  // Targets are indices t+1 for t in [W-1, n-2]; the test set is the last fraction of them.
  const first = Math.max(W, m), n = values.length;
  const nTargets = n - first;
  const nTest = Math.round(nTargets * (opts.testFraction ?? 0.2));
  const split = n - nTest; // targets with index >= split are test
  // Scale: std of one-step changes over the training part only.
  let s1 = 0, s2 = 0;
  for (let i = 1; i < split; i++) { const d = z[i] - z[i - 1]; s1 += d; s2 += d * d; }
  const scale = Math.sqrt(s2 / (split - 1) - (s1 / (split - 1)) ** 2) || 1;
  const windowAt = (target: number, out: Float32Array, o: number) => {
    const last = z[target - 1];
    for (let k = 0; k < W; k++) out[o + k] = (z[target - W + k] - last) / scale;
  };
  const make = (from: number, to: number): [Tensor, Tensor] => {
    const N = to - from, x = new Float32Array(N * W), y = new Float32Array(N);
    for (let t = from; t < to; t++) {
      windowAt(t, x, (t - from) * W);
      y[t - from] = (z[t] - z[t - 1]) / scale;
    }
    return [my.tensor(x, { shape: [N, W] }), my.tensor(y, { shape: [N, 1] })];
  };
  const [xTrain, yTrain] = make(first, split);
  const [xTest] = make(split, n);

  my.manualSeed(opts.seed ?? 0);
  const model = buildModel(kind, W, opts.hidden);
  const opt = new my.optim.Adam(model.parameters(), { lr: opts.lr ?? 3e-3, weightDecay: 1e-4 });
  const N = xTrain.shape[0], bs = Math.min(opts.batchSize ?? 32, N);
  const epochs = Math.max(1, Math.round((opts.steps ?? 500) / Math.floor(N / bs)));
  const sched = new my.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: epochs });
  const g = new my.Generator(opts.seed ?? 0);
  model.train();
  for (let e = 0; e < epochs; e++) {
    const perm = my.randperm(N, { generator: g });
    for (let b = 0; b + bs <= N; b += bs) {
      const idx = perm.narrow(0, b, bs);
      const loss = F.mseLoss(model.forward(xTrain.indexSelect(0, idx)) as Tensor, yTrain.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    sched.step();
  }
  model.eval();
  const d = my.noGrad(() => model.forward(xTest) as Tensor).data();
  const pred = new Float64Array(nTest), truth = values.subarray(split);
  const last = new Float64Array(nTest), seasonal = new Float64Array(nTest);
  for (let i = 0; i < nTest; i++) {
    const t = split + i;
    const zHat = z[t - 1] + scale * d[i];
    pred[i] = spec.log ? Math.exp(zHat) : zHat;
    last[i] = values[t - 1];
    seasonal[i] = values[t - m];
  }
  return {
    series: name, model: kind, trainWindows: N, testPoints: nTest,
    scores: scores(pred, truth), lastValue: scores(last, truth), seasonalNaive: scores(seasonal, truth),
    seconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const valueOf = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const models: ModelKind[] = valueOf("--model") ? [valueOf("--model") as ModelKind] : ["mlp", "cnn", "lstm"];
  const root = valueOf("--data") ?? "data", download = args.includes("--download");
  const names = args.filter((a, i) => !a.startsWith("--") && !["--model", "--data", "--mirror"].includes(args[i - 1]));
  const specs = names.length ? SERIES.filter((s) => names.includes(s.name)) : SERIES;
  let series: Float64Array[];
  try {
    series = specs.map((spec) => loadSeries(spec.name, root, download, valueOf("--mirror")));
  } catch (e) {
    console.error(`timeseries example: ${(e as Error).message}\n(pass --data DIR for a folder holding timeseries/<name>.csv)`);
    process.exit(1);
  }
  console.log(`backend ${my.backend()}; one-step-ahead forecasts, last 20% of each series held out`);
  console.log("series          model  test  MAE (model / last / seasonal)      RMSE (model / last / seasonal)     time");
  const t0 = performance.now();
  specs.forEach((spec, k) => {
    for (const model of models) {
      const r = forecast(spec.name, series[k], spec, { model });
      const f = (x: number) => x.toPrecision(4).padStart(8);
      console.log(`${spec.name.padEnd(15)} ${model.padEnd(5)} ${String(r.testPoints).padStart(5)}  ${f(r.scores.mae)} ${f(r.lastValue.mae)} ${f(r.seasonalNaive.mae)}   ${f(r.scores.rmse)} ${f(r.lastValue.rmse)} ${f(r.seasonalNaive.rmse)}   ${r.seconds.toFixed(1)} s`);
    }
  });
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
