/**
 * Sequence addition: an LSTM learns to add two 8-digit numbers read digit by digit,
 * least significant first. Step t sees the pair (a_t, b_t) as two one-hot vectors and
 * must emit digit t of a + b, so it has to learn the carry; a ninth step with (0, 0)
 * emits the final carry. Accuracy counts whole sums (all 9 digits right) on fresh,
 * held-out pairs.
 *
 * Run: npx tsx examples/sequence-addition/train.ts
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";

const nn = my.nn, F = my.F;

export interface AdditionOptions {
  /** Digits per operand (the sum has one more). */
  digits?: number;
  hidden?: number;
  batchSize?: number;
  steps?: number;
  lr?: number;
  seed?: number;
  /** Called every `logEvery` steps with the step and the batch loss. */
  onProgress?: (step: number, loss: number) => void;
  logEvery?: number;
}

export interface AdditionResult {
  /** Fraction of held-out sums with every digit right. */
  sequenceAccuracy: number;
  /** Fraction of held-out digits right. */
  digitAccuracy: number;
  loss: number;
  testPairs: number;
}

/** A deterministic stream of digits (xorshift), independent of the model's RNG. */
function digitStream(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % 10;
  };
}

/**
 * A batch of n additions: x [T, n, 20] (one-hot a_t then b_t), y [T * n] (digit t of
 * the sum, time-major) with T = digits + 1.
 */
export function makeBatch(n: number, digits: number, next: () => number): [Tensor, Tensor] {
  const T = digits + 1;
  const x = new Float32Array(T * n * 20);
  const y = new Int32Array(T * n);
  for (let b = 0; b < n; b++) {
    let carry = 0;
    for (let t = 0; t < T; t++) {
      const a = t < digits ? next() : 0, c = t < digits ? next() : 0;
      x[(t * n + b) * 20 + a] = 1;
      x[(t * n + b) * 20 + 10 + c] = 1;
      const s = a + c + carry;
      y[t * n + b] = s % 10;
      carry = s >= 10 ? 1 : 0;
    }
  }
  return [my.tensor(x, { shape: [T, n, 20] }), my.tensor(y, { shape: [T * n], dtype: "int32" })];
}

/** LSTM over the digit pairs, then a linear read-out of each step's state. */
export class Adder extends nn.Module {
  lstm: InstanceType<typeof nn.LSTM>;
  head: InstanceType<typeof nn.Linear>;

  constructor(hidden: number) {
    super();
    this.lstm = new nn.LSTM(20, hidden);
    this.head = new nn.Linear(hidden, 10);
  }

  override forward(x: Tensor): Tensor {
    const [h] = this.lstm.forward(x);
    return this.head.forward(h.reshape([-1, h.shape[2]]));
  }
}

/** Trains the adder and evaluates it on 1000 held-out pairs. */
export function trainAddition(opts: AdditionOptions = {}): AdditionResult {
  const digits = opts.digits ?? 8, hidden = opts.hidden ?? 32, batchSize = opts.batchSize ?? 64;
  const steps = opts.steps ?? 600, logEvery = opts.logEvery ?? 100;
  my.manualSeed(opts.seed ?? 0);
  const model = new Adder(hidden);
  const opt = new my.optim.Adam(model.parameters(), { lr: opts.lr ?? 0.01 });
  const train = digitStream((opts.seed ?? 0) + 1);
  let loss = NaN;
  for (let step = 1; step <= steps; step++) {
    const [x, y] = makeBatch(batchSize, digits, train);
    const l = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
    if (opts.onProgress && step % logEvery === 0) opts.onProgress(step, loss);
  }
  const n = 1000, T = digits + 1;
  const [x, y] = makeBatch(n, digits, digitStream(987654));
  const pred = my.noGrad(() => model.forward(x)).argmax(1).data();
  const truth = y.data();
  let digitsRight = 0, seqRight = 0;
  for (let b = 0; b < n; b++) {
    let all = true;
    for (let t = 0; t < T; t++) {
      const ok = pred[t * n + b] === truth[t * n + b];
      if (ok) digitsRight++;
      else all = false;
    }
    if (all) seqRight++;
  }
  return { sequenceAccuracy: seqRight / n, digitAccuracy: digitsRight / (n * T), loss, testPairs: n };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const t0 = performance.now();
  const r = trainAddition({ onProgress: (s, l) => console.log(`step ${s}  loss ${l.toFixed(4)}`) });
  console.log(`held-out sums fully right: ${(100 * r.sequenceAccuracy).toFixed(1)}% of ${r.testPairs}; digits right: ${(100 * r.digitAccuracy).toFixed(2)}%`);
  console.log(`time ${((performance.now() - t0) / 1000).toFixed(1)} s (backend ${my.backend()})`);
}
