/**
 * What the state means in myelin terms, written once: the list of nn modules (class
 * name + constructor arguments), the initialiser, the optimizer and the schedule. The
 * worker instantiates these (net.ts) and "export code" prints them (codegen.ts), so
 * the exported program builds exactly the network the page trained.
 */
import type { State, Activation } from "./state.js";

/** One module of the Sequential: `new nn[cls](...args)`. */
export interface ModPlan { cls: string; args: unknown[] }
/** A call `fn(tensor, ...args)` (an nn.init function or an optimizer/scheduler constructor). */
export interface CallPlan { cls: string; args: unknown[] }

const ACT_MODULES: Record<Activation, ModPlan | null> = {
  relu: { cls: "ReLU", args: [] }, tanh: { cls: "Tanh", args: [] }, sigmoid: { cls: "Sigmoid", args: [] },
  leakyrelu: { cls: "LeakyReLU", args: [0.01] }, elu: { cls: "ELU", args: [] }, gelu: { cls: "GELU", args: [] },
  silu: { cls: "SiLU", args: [] }, linear: null,
};

/** The small MNIST conv net: 28x28 -> 8@14x14 -> 16@7x7 -> 10 logits. */
export const MNIST_PLAN: ModPlan[] = [
  { cls: "Conv2d", args: [1, 8, 3, { padding: 1 }] }, { cls: "ReLU", args: [] }, { cls: "MaxPool2d", args: [2] },
  { cls: "Conv2d", args: [8, 16, 3, { padding: 1 }] }, { cls: "ReLU", args: [] }, { cls: "MaxPool2d", args: [2] },
  { cls: "Flatten", args: [] }, { cls: "Linear", args: [16 * 7 * 7, 10] },
];

/** The Sequential for `inDim` inputs and `outDim` outputs: per hidden layer Linear, [BatchNorm1d], activation, [Dropout]. */
export function modulePlan(s: State, inDim: number, outDim: number): ModPlan[] {
  if (s.dataset === "mnist") return MNIST_PLAN;
  const out: ModPlan[] = [];
  let width = inDim;
  for (const l of s.layers) {
    out.push({ cls: "Linear", args: [width, l.units] });
    if (s.batchNorm) out.push({ cls: "BatchNorm1d", args: [l.units] });
    const act = ACT_MODULES[l.act];
    if (act) out.push(act);
    if (s.dropout > 0) out.push({ cls: "Dropout", args: [s.dropout] });
    width = l.units;
  }
  out.push({ cls: "Linear", args: [width, outDim] });
  return out;
}

/** The nn.init call applied to every Linear/Conv weight (biases then zeroed), or null for PyTorch's default init. */
export function initPlan(s: State): CallPlan | null {
  switch (s.init) {
    case "default": return null;
    case "xavier": return { cls: "xavierUniform_", args: [] };
    case "kaiming": return { cls: "kaimingNormal_", args: [{ nonlinearity: "relu" }] };
    case "normal": return { cls: "normal_", args: [{ mean: 0, std: 1 }] };
    case "small": return { cls: "normal_", args: [{ mean: 0, std: 0.01 }] };
  }
}

/** The optimizer (its first argument, the parameters, is implied). L2 is the optimizer's weight decay, as in PyTorch. */
export function optimizerPlan(s: State): CallPlan {
  const wd = s.l2 > 0 ? { weightDecay: s.l2 } : {};
  switch (s.optimizer) {
    case "sgd": return { cls: "SGD", args: [{ lr: s.lr, ...wd }] };
    case "momentum": return { cls: "SGD", args: [{ lr: s.lr, momentum: 0.9, ...wd }] };
    case "adam": return { cls: "Adam", args: [{ lr: s.lr, ...wd }] };
    case "adamw": return { cls: "AdamW", args: [{ lr: s.lr, ...(s.l2 > 0 ? wd : {}) }] };
    case "rmsprop": return { cls: "RMSprop", args: [{ lr: s.lr, ...wd }] };
    case "adagrad": return { cls: "Adagrad", args: [{ lr: s.lr, ...wd }] };
  }
}

/** The learning-rate schedule, stepped once per epoch (the optimizer argument is implied), or null. */
export function schedulePlan(s: State): CallPlan | null {
  switch (s.schedule) {
    case "none": return null;
    case "step": return { cls: "StepLR", args: [{ stepSize: 50, gamma: 0.5 }] };
    case "exp": return { cls: "ExponentialLR", args: [{ gamma: 0.99 }] };
    case "cosine": return { cls: "CosineAnnealingLR", args: [{ TMax: 200 }] };
  }
}

/** Source text of a plan's arguments, e.g. `8, 3, { padding: 1 }`. */
export function argsSource(args: unknown[]): string {
  return args.map((a) => (typeof a === "object" && a !== null
    ? `{ ${Object.entries(a).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")} }` : JSON.stringify(a))).join(", ");
}
