// The three fixture models of test/fixtures/gen_explain.py built in myelin with the
// generator's weights (loaded by PyTorch's state-dict keys), and fixture decoding.
import { loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;
export interface Enc { shape: number[]; data: number[] }
export const fx = loadFixture<Record<string, Record<string, any>>>("explain");
export const ten = (e: Enc, dtype: my.DType = "float32"): Tensor => my.tensor(e.data, { shape: e.shape, dtype });

function load<M extends InstanceType<typeof nn.Module>>(m: M, sd: Record<string, Enc>): M {
  m.loadStateDict(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, ten(v)])));
  return m.eval();
}

export function cnn(): InstanceType<typeof nn.Sequential> {
  return load(new nn.Sequential(new nn.Conv2d(1, 3, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(64, 3)), fx.cnn.stateDict);
}

export class TextModel extends nn.Module {
  emb = new nn.Embedding(10, 4);
  lstm = new nn.LSTM(4, 5, { batchFirst: true });
  fc = new nn.Linear(5, 2);
  override forward(ids: Tensor): Tensor {
    const [out] = this.lstm.forward(this.emb.forward(ids)) as [Tensor, unknown];
    return this.fc.forward(out.select(1, -1));
  }
}

export function textModel(): TextModel {
  return load(new TextModel(), fx.text.stateDict);
}

export function mlp(): InstanceType<typeof nn.Sequential> {
  return load(new nn.Sequential(new nn.Linear(5, 8), new nn.Tanh(), new nn.Linear(8, 6), new nn.ReLU(), new nn.Linear(6, 3)), fx.mlp.stateDict);
}
