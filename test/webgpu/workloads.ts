/**
 * The four bench workloads (MLP, CNN, LSTM, Transformer encoder) at small sizes, for
 * issue #20's parity check: 20 Adam steps from the same seed and weights on a device,
 * returning each step's loss. Shared by the Node test (train-parity.test.ts) and the
 * headless-Chromium page (pages/train-workloads.page.ts).
 */
import * as my from "../../src/index.js";

const { nn, optim, F } = my;

export interface Workload { model: my.nn.Module; x: my.Tensor; y: my.Tensor; loss(x: my.Tensor, y: my.Tensor): my.Tensor }

export const WORKLOADS: Record<string, () => Workload> = {
  mlp() {
    const model = new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Linear(32, 5));
    return { model, x: my.randn([16, 20]), y: my.randint(0, 5, [16]), loss: (x, y) => F.crossEntropy(model.forward(x) as my.Tensor, y) };
  },
  cnn() {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(8 * 4 * 4, 16), new nn.ReLU(), new nn.Linear(16, 5));
    return { model, x: my.randn([8, 1, 16, 16]), y: my.randint(0, 5, [8]), loss: (x, y) => F.crossEntropy(model.forward(x) as my.Tensor, y) };
  },
  lstm() {
    const lstm = new nn.LSTM(6, 12), fc = new nn.Linear(12, 5);
    const model = new nn.ModuleList([lstm, fc]);
    return {
      model, x: my.randn([7, 4, 6]), y: my.randint(0, 5, [4]),
      loss: (x, y) => {
        const [, [hN]] = lstm.forward(x) as [my.Tensor, [my.Tensor, my.Tensor]];
        return F.crossEntropy(fc.forward(hN.select(0, 0)), y);
      },
    };
  },
  transformer() {
    const layer = new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0, batchFirst: true });
    const model = new nn.TransformerEncoder(layer, 1, { enableNestedTensor: false });
    return { model, x: my.randn([3, 5, 16]), y: my.randn([3, 5, 16]), loss: (x, y) => F.mseLoss(model.forward(x) as my.Tensor, y) };
  },
};

export async function losses(name: string, device: "cpu" | "webgpu"): Promise<number[]> {
  my.manualSeed(0);
  const w = WORKLOADS[name]();
  w.model.to(device);
  const opt = new optim.Adam(w.model.parameters(), { lr: 0.01 });
  const x = w.x.to(device), y = w.y.to(device);
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    opt.zeroGrad();
    const l = w.loss(x, y);
    l.backward();
    opt.step();
    out.push(await l.itemAsync());
  }
  return out;
}

