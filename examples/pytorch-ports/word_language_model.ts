/**
 * Port of PyTorch's examples/word_language_model: the word Dictionary/Corpus (each line's
 * whitespace-split words plus <eos>), batchify/get_batch over a [T, B] token matrix,
 * RNNModel (Embedding, dropout, multi-layer LSTM, Linear decoder, log-softmax) with its
 * own forward(input, hidden), NLLLoss, clipGradNorm_, plain SGD written as
 * `p.add_(p.grad, alpha=-lr)` and lr / 4 when validation does not improve. The corpus
 * is two consecutive slices of Tiny Shakespeare (the original reads wikitext-2 files);
 * the metric is the best validation perplexity.
 *
 * Run: npx tsx examples/pytorch-ports/word_language_model.ts [--epochs 2] [--seed 0]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as my from "myelin";
import type { Tensor } from "myelin";
import { flags, isMain, sharedData } from "./common.js";

const { nn, F } = my;

export const DEFAULTS = { trainChars: 50000, validChars: 8000, emsize: 32, nhid: 32, nlayers: 2, lr: 20, clip: 0.25, epochs: 2, batch: 20, bptt: 35, dropout: 0.2, seed: 0 };
const EVAL_BATCH = 10;
type Hidden = [Tensor, Tensor];

export class Dictionary {
  word2idx = new Map<string, number>();
  idx2word: string[] = [];
  addWord(word: string): number {
    if (!this.word2idx.has(word)) {
      this.idx2word.push(word);
      this.word2idx.set(word, this.idx2word.length - 1);
    }
    return this.word2idx.get(word)!;
  }
}

function linesOf(text: string): string[] {
  const lines = text.split("\n");
  return lines.length > 0 && lines[lines.length - 1] === "" ? lines.slice(0, -1) : lines;
}

/** The original reads train.txt/valid.txt; here two consecutive slices of one text. */
export class Corpus {
  dictionary = new Dictionary();
  train: Tensor;
  valid: Tensor;
  constructor(text: string, trainChars: number, validChars: number) {
    this.train = this.tokenize(text.slice(0, trainChars));
    this.valid = this.tokenize(text.slice(trainChars, trainChars + validChars));
  }
  tokenize(text: string): Tensor {
    const ids: number[] = [];
    for (const line of linesOf(text)) {
      const words = [...line.split(/\s+/).filter((w) => w !== ""), "<eos>"]; // Python's str.split()
      for (const w of words) ids.push(this.dictionary.addWord(w));
    }
    return my.tensor(ids, { dtype: "int32" });
  }
}

export class RNNModel extends nn.Module {
  drop: InstanceType<typeof nn.Dropout>;
  encoder: InstanceType<typeof nn.Embedding>;
  rnn: InstanceType<typeof nn.LSTM>;
  decoder: InstanceType<typeof nn.Linear>;
  constructor(public ntoken: number, ninp: number, public nhid: number, public nlayers: number, dropout: number) {
    super();
    this.drop = new nn.Dropout(dropout);
    this.encoder = new nn.Embedding(ntoken, ninp);
    this.rnn = new nn.LSTM(ninp, nhid, nlayers, { dropout });
    this.decoder = new nn.Linear(nhid, ntoken);
    const initrange = 0.1;
    nn.init.uniform_(this.encoder.weight, -initrange, initrange);
    nn.init.zeros_(this.decoder.bias!);
    nn.init.uniform_(this.decoder.weight, -initrange, initrange);
  }

  override forward(input: Tensor, hidden: Hidden): [Tensor, Hidden] {
    const emb = this.drop.forward(this.encoder.forward(input));
    let [output, h] = this.rnn.forward(emb, hidden);
    output = this.drop.forward(output);
    const decoded = this.decoder.forward(output).view(-1, this.ntoken);
    return [F.logSoftmax(decoded, 1), h];
  }

  initHidden(bsz: number): Hidden {
    const weight = this.parameters()[0];
    return [weight.newZeros(this.nlayers, bsz, this.nhid), weight.newZeros(this.nlayers, bsz, this.nhid)];
  }
}

export function batchify(data: Tensor, bsz: number): Tensor {
  const nbatch = Math.floor(data.shape[0] / bsz);
  return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous();
}

function getBatch(source: Tensor, i: number, bptt: number): [Tensor, Tensor] {
  const seqLen = Math.min(bptt, source.shape[0] - 1 - i);
  return [source.slice(0, i, i + seqLen), source.slice(0, i + 1, i + 1 + seqLen).reshape(-1)];
}

const repackageHidden = (h: Hidden): Hidden => [h[0].detach(), h[1].detach()];

/** Trains and returns the best validation perplexity, the model and the corpus. */
export function run(opts: Partial<typeof DEFAULTS> = {}): { metric: number; model: RNNModel; corpus: Corpus } {
  const S = { ...DEFAULTS, ...opts };
  my.manualSeed(S.seed);
  const text = readFileSync(join(sharedData(), "tinyshakespeare.txt"), "utf8");
  const corpus = new Corpus(text, S.trainChars, S.validChars);
  const trainData = batchify(corpus.train, S.batch), valData = batchify(corpus.valid, EVAL_BATCH);
  const ntokens = corpus.dictionary.idx2word.length;
  const model = new RNNModel(ntokens, S.emsize, S.nhid, S.nlayers, S.dropout);
  const criterion = new nn.NLLLoss();
  let lr = S.lr;

  const evaluate = (dataSource: Tensor): number => {
    model.eval();
    let totalLoss = 0, hidden = model.initHidden(EVAL_BATCH);
    my.noGrad(() => {
      for (let i = 0; i < dataSource.shape[0] - 1; i += S.bptt) {
        const [data, targets] = getBatch(dataSource, i, S.bptt);
        let output: Tensor;
        [output, hidden] = model.forward(data, hidden);
        hidden = repackageHidden(hidden);
        totalLoss += data.shape[0] * criterion.forward(output, targets).item();
      }
    });
    return totalLoss / (dataSource.shape[0] - 1);
  };

  const train = (): void => {
    model.train();
    let hidden = model.initHidden(S.batch);
    for (let i = 0; i < trainData.shape[0] - 1; i += S.bptt) {
      const [data, targets] = getBatch(trainData, i, S.bptt);
      model.zeroGrad();
      hidden = repackageHidden(hidden);
      let output: Tensor;
      [output, hidden] = model.forward(data, hidden);
      const loss = criterion.forward(output, targets);
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), S.clip);
      my.noGrad(() => {
        for (const p of model.parameters()) p.add_(p.grad!, { alpha: -lr });
      });
    }
  };

  let bestValLoss: number | null = null;
  for (let epoch = 0; epoch < S.epochs; epoch++) {
    train();
    const valLoss = evaluate(valData);
    if (bestValLoss === null || valLoss < bestValLoss) bestValLoss = valLoss;
    else lr /= 4.0;
  }
  return { metric: Math.exp(bestValLoss!), model, corpus };
}

if (isMain(import.meta.url)) {
  const S = flags(DEFAULTS);
  const t0 = performance.now();
  console.log(`word_language_model seed ${S.seed}: validation perplexity ${run(S).metric.toFixed(2)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
