/**
 * The playground's whole state (data, network, training settings) as one plain object,
 * its defaults, the presets, and its round trip through the URL hash, so a link or a
 * reload restores the same network. Every field is validated on the way in: a hash
 * that names an unknown activation is reported, not silently changed.
 */

export const DATASETS = ["circle", "xor", "gauss", "spirals", "plane", "csv", "mnist"] as const;
export type DatasetName = (typeof DATASETS)[number];
export const ACTIVATIONS = ["relu", "tanh", "sigmoid", "leakyrelu", "elu", "gelu", "silu", "linear"] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const INITS = ["default", "xavier", "kaiming", "normal", "small"] as const;
export const OPTIMIZERS = ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"] as const;
export const SCHEDULES = ["none", "step", "exp", "cosine"] as const;

export interface Layer { units: number; act: Activation }

export interface State {
  dataset: DatasetName;
  /** Points generated for the synthetic sets. */
  points: number;
  noise: number;
  /** Percentage of the points used for training (the rest is the test set). */
  trainPct: number;
  seed: number;
  layers: Layer[];
  dropout: number;
  batchNorm: boolean;
  l1: number;
  l2: number;
  init: (typeof INITS)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  schedule: (typeof SCHEDULES)[number];
  batchSize: number;
  /** CSV columns used as features and as target (the file itself is never in the URL). */
  features: string[];
  target: string;
}

export const MAX_UNITS = 256;
export const MAX_LAYERS = 12;

export function defaultState(): State {
  return {
    dataset: "circle", points: 600, noise: 0, trainPct: 50, seed: 1,
    layers: [{ units: 4, act: "tanh" }],
    dropout: 0, batchNorm: false, l1: 0, l2: 0, init: "default",
    optimizer: "adam", lr: 0.03, schedule: "none", batchSize: 16,
    features: [], target: "",
  };
}

/** Named starting points; each shows one challenge of training. */
export const PRESETS: Record<string, { label: string; apply: (s: State) => State }> = {
  vanishing: {
    label: "Vanishing gradients (deep sigmoid)",
    apply: (s) => ({ ...s, dataset: "spirals", layers: Array.from({ length: 8 }, () => ({ units: 8, act: "sigmoid" as const })),
      batchNorm: false, dropout: 0, init: "default", optimizer: "sgd", lr: 0.1, schedule: "none" }),
  },
  exploding: {
    label: "Exploding gradients (bad init)",
    apply: (s) => ({ ...s, dataset: "spirals", layers: Array.from({ length: 6 }, () => ({ units: 32, act: "relu" as const })),
      batchNorm: false, dropout: 0, init: "normal", optimizer: "sgd", lr: 0.01, schedule: "none" }),
  },
  highlr: {
    // SGD on this linear regression converges up to lr 0.45 and blows up within ten steps at 0.5.
    label: "Exploding (learning rate too high)",
    apply: (s) => ({ ...s, dataset: "plane", noise: 0, layers: [{ units: 8, act: "linear" }],
      batchNorm: false, dropout: 0, l1: 0, l2: 0, init: "default", optimizer: "sgd", lr: 0.5, schedule: "none", batchSize: 16 }),
  },
  overfit: {
    label: "Overfitting (noisy data, big net)",
    apply: (s) => ({ ...s, dataset: "gauss", noise: 0.35, points: 120, trainPct: 30,
      layers: [{ units: 64, act: "relu" }, { units: 64, act: "relu" }, { units: 64, act: "relu" }], dropout: 0, l2: 0, optimizer: "adam", lr: 0.01 }),
  },
  mnist: {
    label: "MNIST digits, small conv net",
    apply: (s) => ({ ...s, dataset: "mnist", trainPct: 80, optimizer: "adam", lr: 0.003, schedule: "none", batchSize: 32, l1: 0 }),
  },
  spirals: {
    label: "Spirals, solved (2 × 8 tanh)",
    apply: (s) => ({ ...s, dataset: "spirals", noise: 0, layers: [{ units: 8, act: "tanh" }, { units: 8, act: "tanh" }],
      batchNorm: false, dropout: 0, init: "default", optimizer: "adam", lr: 0.03, schedule: "none", batchSize: 16 }),
  },
};

/** The hash of a state: only fields that differ from the defaults, in a fixed order. */
export function encodeState(s: State): string {
  const d = defaultState();
  const p = new URLSearchParams();
  const put = (k: string, v: unknown, dv: unknown) => { if (String(v) !== String(dv)) p.set(k, String(v)); };
  put("data", s.dataset, d.dataset);
  put("n", s.points, d.points);
  put("noise", s.noise, d.noise);
  put("train", s.trainPct, d.trainPct);
  put("seed", s.seed, d.seed);
  p.set("layers", s.layers.map((l) => `${l.units}${l.act}`).join(","));
  put("dropout", s.dropout, d.dropout);
  put("bn", s.batchNorm ? 1 : 0, 0);
  put("l1", s.l1, d.l1);
  put("l2", s.l2, d.l2);
  put("init", s.init, d.init);
  put("opt", s.optimizer, d.optimizer);
  put("lr", s.lr, d.lr);
  put("sched", s.schedule, d.schedule);
  put("batch", s.batchSize, d.batchSize);
  if (s.features.length) p.set("features", s.features.join("|"));
  put("target", s.target, d.target);
  return p.toString();
}

/** Reads a hash; problems (unknown names, out-of-range numbers) are listed, their fields keep the defaults. */
export function decodeState(hash: string): { state: State; problems: string[] } {
  const s = defaultState();
  const problems: string[] = [];
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const known = new Set(["data", "n", "noise", "train", "seed", "layers", "dropout", "bn", "l1", "l2", "init", "opt", "lr", "sched", "batch", "features", "target"]);
  for (const k of p.keys()) if (!known.has(k)) problems.push(`unknown setting "${k}"`);
  const num = (k: string, min: number, max: number, int = false): number | undefined => {
    const v = p.get(k);
    if (v === null) return undefined;
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
      problems.push(`${k}=${v} is not ${int ? "an integer" : "a number"} in [${min}, ${max}]`);
      return undefined;
    }
    return n;
  };
  const pick = <T extends string>(k: string, options: readonly T[]): T | undefined => {
    const v = p.get(k);
    if (v === null) return undefined;
    if (!(options as readonly string[]).includes(v)) { problems.push(`${k}=${v} is not one of ${options.join(", ")}`); return undefined; }
    return v as T;
  };
  s.dataset = pick("data", DATASETS) ?? s.dataset;
  s.points = num("n", 20, 5000, true) ?? s.points;
  s.noise = num("noise", 0, 1) ?? s.noise;
  s.trainPct = num("train", 10, 90, true) ?? s.trainPct;
  s.seed = num("seed", 0, 2 ** 31, true) ?? s.seed;
  const layers = p.get("layers");
  if (layers !== null) {
    const parsed = layers === "" ? [] : layers.split(",").map((t) => /^(\d+)([a-z]+)$/.exec(t));
    const ok = parsed.every((m) => m && Number(m[1]) >= 1 && Number(m[1]) <= MAX_UNITS && (ACTIVATIONS as readonly string[]).includes(m[2]));
    if (ok && parsed.length <= MAX_LAYERS) s.layers = parsed.map((m) => ({ units: Number(m![1]), act: m![2] as Activation }));
    else problems.push(`layers=${layers} is not a list like 8tanh,8tanh (at most ${MAX_LAYERS} layers of 1..${MAX_UNITS} units; activations ${ACTIVATIONS.join(", ")})`);
  }
  s.dropout = num("dropout", 0, 0.9) ?? s.dropout;
  s.batchNorm = (num("bn", 0, 1, true) ?? 0) === 1;
  s.l1 = num("l1", 0, 1) ?? s.l1;
  s.l2 = num("l2", 0, 1) ?? s.l2;
  s.init = pick("init", INITS) ?? s.init;
  s.optimizer = pick("opt", OPTIMIZERS) ?? s.optimizer;
  s.lr = num("lr", 1e-6, 100) ?? s.lr;
  s.schedule = pick("sched", SCHEDULES) ?? s.schedule;
  s.batchSize = num("batch", 1, 4096, true) ?? s.batchSize;
  s.features = p.get("features")?.split("|").filter(Boolean) ?? [];
  s.target = p.get("target") ?? "";
  return { state: s, problems };
}
