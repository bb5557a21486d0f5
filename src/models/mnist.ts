/**
 * Reference models for 28x28 grayscale digits/clothing (MNIST, Fashion-MNIST).
 * Parameter names follow PyTorch's nn.Sequential numbering, so the same
 * architecture written in PyTorch loads these weights unchanged.
 */
import * as nn from "../nn/index.js";

/** 784-512-256-10 MLP with ReLU and dropout (≈ 535k parameters). */
export function mnistMlp(opts: { dropout?: number } = {}): nn.Sequential {
  const p = opts.dropout ?? 0.2;
  return new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 512), new nn.ReLU(), new nn.Dropout(p),
    new nn.Linear(512, 256), new nn.ReLU(), new nn.Dropout(p),
    new nn.Linear(256, 10),
  );
}

/**
 * Two conv blocks and a classifier: conv3x3(32)-ReLU-maxpool, conv3x3(64)-ReLU-maxpool,
 * dense 128, dense 10 (≈ 421k parameters); `batchNorm` adds BatchNorm after each conv.
 */
export function mnistCnn(opts: { batchNorm?: boolean; dropout?: number } = {}): nn.Sequential {
  const bn = opts.batchNorm ?? false;
  const block = (cin: number, cout: number): nn.Module[] => [
    new nn.Conv2d(cin, cout, 3, { padding: 1, bias: !bn }),
    ...(bn ? [new nn.BatchNorm2d(cout)] : []),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
  ];
  return new nn.Sequential(
    ...block(1, 32),
    ...block(32, 64),
    new nn.Flatten(),
    new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Dropout(opts.dropout ?? 0.25),
    new nn.Linear(128, 10),
  );
}
