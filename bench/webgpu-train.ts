/**
 * The four training workloads of `npm run bench` (MLP, CNN, LSTM, Transformer encoder,
 * same layers and sizes as bench/workloads/train-*.ts) with PyTorch's API on the
 * webgpu device, beside the CPU backend in the same run: samples (or tokens) per
 * second over whole Adam steps, one asynchronous loss read per timed batch of steps.
 * `scale` < 1 shrinks the batch (SwiftShader runs the full sizes at minutes per step).
 */
import * as my from "../src/index.js";

interface Workload { name: string; unit: string; perStep: number; build(): () => my.Tensor }

export function trainWorkloads(scale: number, device: "cpu" | "webgpu"): Workload[] {
  const b = (n: number) => Math.max(2, Math.round(n * scale));
  const on = (t: my.Tensor) => t.to(device);
  const adam = (m: my.nn.Module) => new my.optim.Adam(m.parameters(), { lr: 1e-3 });
  const step = (model: my.nn.Module, loss: () => my.Tensor) => {
    const opt = adam(model);
    return () => {
      opt.zeroGrad();
      const l = loss();
      l.backward();
      opt.step();
      return l;
    };
  };
  const { nn, F } = my;
  const mlpB = b(128), cnnB = b(64), lstmB = b(32), tfB = b(16);
  return [
    {
      name: `MLP 784-512-256-10, batch ${mlpB}`, unit: "samples/s", perStep: mlpB,
      build() {
        const m = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10)).to(device);
        const x = on(my.randn([mlpB, 784])), y = on(my.randint(0, 10, [mlpB]));
        return step(m, () => F.crossEntropy(m.forward(x) as my.Tensor, y));
      },
    },
    {
      name: `CNN conv32-pool-conv64-pool-fc128, batch ${cnnB}`, unit: "samples/s", perStep: cnnB,
      build() {
        const m = new nn.Sequential(
          new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10)).to(device);
        const x = on(my.randn([cnnB, 1, 28, 28])), y = on(my.randint(0, 10, [cnnB]));
        return step(m, () => F.crossEntropy(m.forward(x) as my.Tensor, y));
      },
    },
    {
      name: `LSTM 64->128, 32 steps, batch ${lstmB}`, unit: "samples/s", perStep: lstmB,
      build() {
        const lstm = new nn.LSTM(64, 128), fc = new nn.Linear(128, 10);
        const m = new nn.ModuleList([lstm, fc]).to(device);
        const x = on(my.randn([32, lstmB, 64])), y = on(my.randint(0, 10, [lstmB]));
        return step(m, () => {
          const [, [hN]] = lstm.forward(x) as [my.Tensor, [my.Tensor, my.Tensor]];
          return F.crossEntropy(fc.forward(hN.select(0, 0)), y);
        });
      },
    },
    {
      name: `Transformer encoder 2x(d128, 4 heads, ffn 512), seq 64, batch ${tfB}`, unit: "tokens/s", perStep: tfB * 64,
      build() {
        const layer = new nn.TransformerEncoderLayer(128, 4, { dimFeedforward: 512, dropout: 0.1, batchFirst: true });
        const m = new nn.TransformerEncoder(layer, 2, { enableNestedTensor: false }).to(device);
        const x = on(my.randn([tfB, 64, 128])), y = on(my.randn([tfB, 64, 128]));
        return step(m, () => F.mseLoss(m.forward(x) as my.Tensor, y));
      },
    },
  ];
}

/** Steps per second of `run` after one warm-up step (pipelines compiled), `minSeconds` of timed steps. */
export async function stepsPerSecond(run: () => my.Tensor, minSeconds: number): Promise<number> {
  await run().itemAsync();
  let steps = 0, total = 0, reps = 1;
  while (total < minSeconds) {
    const t0 = performance.now();
    let l = run();
    for (let i = 1; i < reps; i++) l = run();
    await l.itemAsync();
    total += (performance.now() - t0) / 1000;
    steps += reps;
    reps *= 2;
  }
  return steps / total;
}
