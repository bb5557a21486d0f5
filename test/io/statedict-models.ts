/**
 * The four architectures of test/fixtures/gen_statedict.py, built in myelin with the
 * same module names (so the state-dict keys are PyTorch's): an MLP, a CNN with
 * BatchNorm, a 2-layer batch-first LSTM with a head on the last step, and a
 * Transformer encoder with an embedding and a head. Shared by the round-trip test and
 * test/fixtures/make-myelin-statedicts.ts.
 */
import * as my from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;

/** The model names, in the generator's order. */
export const MODEL_NAMES = ["mlp", "cnn", "lstm", "transformer"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** conv-bn-relu-pool ×2, flatten, linear; input [N, 1, 12, 12] → [N, 5]. */
export class CNN extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
  );
  flatten = new nn.Flatten();
  fc = new nn.Linear(8 * 3 * 3, 5);

  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.flatten.forward(this.features.forward(x) as Tensor));
  }
}

/** 2-layer LSTM (batch first) and a linear head on the last step; [N, T, 6] → [N, 3]. */
export class LSTMHead extends nn.Module {
  lstm = new nn.LSTM(6, 16, { numLayers: 2, batchFirst: true });
  head = new nn.Linear(16, 3);

  override forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    return this.head.forward(out.select(1, -1));
  }
}

/** Embedding(20, 32), 2 encoder layers (4 heads, ffn 64, no dropout), head; int tokens [N, L] → [N, L, 5]. */
export class TransformerHead extends nn.Module {
  embed = new nn.Embedding(20, 32);
  encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0, batchFirst: true }), 2);
  head = new nn.Linear(32, 5);

  override forward(tokens: Tensor): Tensor {
    return this.head.forward(this.encoder.forward(this.embed.forward(tokens)));
  }
}

/** A fresh (randomly initialised) model of the given architecture. */
export function buildModel(name: ModelName): my.nn.Module & { forward(x: Tensor): Tensor } {
  switch (name) {
    case "mlp":
      return new nn.Sequential(new nn.Linear(10, 32), new nn.ReLU(), new nn.Linear(32, 16), new nn.Tanh(), new nn.Linear(16, 4)) as never;
    case "cnn":
      return new CNN();
    case "lstm":
      return new LSTMHead();
    case "transformer":
      return new TransformerHead();
  }
}
