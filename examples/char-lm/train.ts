/**
 * Character-level language model on Tiny Shakespeare: a small causal Transformer
 * (or an LSTM) trained on the first 90% of the text, scored in bits per character
 * on the last 10% against the unigram and bigram models counted from the training
 * text, then sampled with temperature from a seeded Generator.
 *
 * Run: npx tsx examples/char-lm/train.ts [--data DIR] [--download] [--model transformer|lstm] [--steps N]
 * The text is read by my.data.TinyShakespeare from DIR/tinyshakespeare.txt (default DIR: ./data).
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";
const { CharLstm, CharTransformer, generate } = my.models;

const F = my.F;

export interface CharLmOptions {
  /** The corpus (default: new my.data.TinyShakespeare({ root: "data" })). */
  corpus?: my.data.TextCorpus;
  model?: "transformer" | "lstm";
  steps?: number;
  batchSize?: number;
  /** Training window length (and the Transformer's context). */
  seqLen?: number;
  lr?: number;
  /** Transformer width and depth (default 64, 2); LSTM state size (default 192). */
  dModel?: number;
  numLayers?: number;
  hidden?: number;
  /** Validation characters scored (from the start of the held-out 10%; default 20000). */
  valChars?: number;
  seed?: number;
  /** Characters to sample after training (0 for none). */
  sampleLength?: number;
  temperature?: number;
  onProgress?: (step: number, loss: number) => void;
  logEvery?: number;
}

export interface CharLmResult {
  /** Validation bits per character of the model. */
  bpc: number;
  /** Validation bpc of add-one-smoothed unigram and bigram counts from the training text. */
  unigramBpc: number;
  bigramBpc: number;
  vocabSize: number;
  trainChars: number;
  valChars: number;
  parameters: number;
  sample: string;
  seconds: number;
}

/** Bits per character of add-one-smoothed unigram and bigram models fitted on `train`, on `val`. */
export function countBaselines(train: Int32Array, val: Int32Array, V: number): { unigram: number; bigram: number } {
  const uni = new Float64Array(V), bi = new Float64Array(V * V);
  for (let i = 0; i < train.length; i++) {
    uni[train[i]]++;
    if (i > 0) bi[train[i - 1] * V + train[i]]++;
  }
  let u = 0, b = 0;
  for (let i = 1; i < val.length; i++) {
    const prev = val[i - 1], c = val[i];
    u -= Math.log2((uni[c] + 1) / (train.length + V));
    b -= Math.log2((bi[prev * V + c] + 1) / (uni[prev] + V));
  }
  return { unigram: u / (val.length - 1), bigram: b / (val.length - 1) };
}

/** Trains the model and scores it; the held-out text is the corpus's last 10%. */
export function trainCharLm(opts: CharLmOptions = {}): CharLmResult {
  const t0 = performance.now();
  const corpus = opts.corpus ?? new my.data.TinyShakespeare({ root: "data" });
  const V = corpus.vocab.size;
  const [trainSrc, valSrc] = corpus.split(0.9);
  const T = opts.seqLen ?? 64, bs = opts.batchSize ?? 32, steps = opts.steps ?? 500;
  my.manualSeed(opts.seed ?? 0);
  const model = opts.model === "lstm"
    ? new CharLstm({ vocabSize: V, embedDim: 32, hidden: opts.hidden ?? 192 })
    : new CharTransformer({ vocabSize: V, blockSize: T, dModel: opts.dModel ?? 64, nhead: 4, numLayers: opts.numLayers ?? 2 });
  const parameters = model.parameters().reduce((s, p) => s + p.numel(), 0);
  const lr = opts.lr ?? 3e-3;
  const opt = new my.optim.AdamW(model.parameters(), { lr, weightDecay: 0.01 });
  const sched = new my.optim.lrScheduler.OneCycleLR(opt, { maxLr: lr, totalSteps: steps, pctStart: 0.1 });
  // Random windows starting anywhere in the training text (stride 1).
  const windows = trainSrc.windows(T, { stride: 1 });
  const g = new my.Generator(opts.seed ?? 0);
  model.train();
  for (let step = 1; step <= steps; step++) {
    const idx = new Int32Array(bs);
    for (let b = 0; b < bs; b++) idx[b] = g.randint(0, windows.len());
    const [x, y] = windows.getBatch(idx);
    const logits = model.forward(x);
    const loss = F.crossEntropy(logits.reshape([-1, V]), y.reshape([-1]));
    opt.zeroGrad();
    loss.backward();
    my.nn.utils.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    sched.step();
    if (opts.onProgress && step % (opts.logEvery ?? 100) === 0) opts.onProgress(step, loss.item());
  }
  // Validation: consecutive non-overlapping windows; every character is predicted once.
  const valIds = valSrc.ids.subarray(0, (opts.valChars ?? 10000) + 1);
  const valWin = new my.data.SequenceWindows(valIds, T, T);
  model.eval();
  let nats = 0, count = 0;
  my.noGrad(() => {
    for (let s = 0; s < valWin.len(); s += 64) {
      const idx = Int32Array.from({ length: Math.min(64, valWin.len() - s) }, (_, i) => s + i);
      const [x, y] = valWin.getBatch(idx);
      nats += F.crossEntropy(model.forward(x).reshape([-1, V]), y.reshape([-1]), { reduction: "sum" }).item();
      count += y.numel();
    }
  });
  const base = countBaselines(trainSrc.ids, valIds.subarray(0, count + 1), V);
  const sampleLength = opts.sampleLength ?? 200;
  const sample = sampleLength > 0
    ? corpus.vocab.decode(generate(model, corpus.vocab.encode("ROMEO:\n")._data, sampleLength, { temperature: opts.temperature ?? 0.8, generator: new my.Generator(opts.seed ?? 0), context: T }))
    : "";
  return {
    bpc: nats / count / Math.LN2, unigramBpc: base.unigram, bigramBpc: base.bigram, vocabSize: V,
    trainChars: trainSrc.ids.length, valChars: count, parameters, sample, seconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const arg = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  let corpus: my.data.TextCorpus;
  try {
    corpus = new my.data.TinyShakespeare({ root: arg("--data") ?? "data", download: args.includes("--download"), downloadFlag: "--download" });
  } catch (e) {
    console.error(`char-lm example: ${(e as Error).message}\n(pass --data DIR for a folder holding tinyshakespeare.txt)`);
    process.exit(1);
  }
  const model = (arg("--model") ?? "transformer") as "transformer" | "lstm";
  const r = trainCharLm({
    corpus, model, steps: arg("--steps") ? Number(arg("--steps")) : undefined,
    onProgress: (s, l) => console.log(`step ${String(s).padStart(5)}  train loss ${l.toFixed(3)} nats (${(l / Math.LN2).toFixed(3)} bpc)`),
  });
  console.log(`${model}: ${r.parameters} parameters, vocabulary ${r.vocabSize}, ${r.trainChars} training characters, backend ${my.backend()}`);
  console.log(`validation bpc on ${r.valChars} held-out characters: model ${r.bpc.toFixed(3)}, unigram ${r.unigramBpc.toFixed(3)}, bigram ${r.bigramBpc.toFixed(3)}`);
  console.log(`--- sample (temperature 0.8, seed 0) ---\n${r.sample}\n---`);
  console.log(`time ${r.seconds.toFixed(1)} s`);
}
