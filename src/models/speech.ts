/**
 * Reference model for keyword spotting / spoken-digit recognition on log-mel
 * spectrograms: a small CNN in nn.Sequential numbering (`features.0.weight`,
 * `features.1.running_mean`, `classifier.1.weight`), as the same model written
 * in PyTorch would name them.
 */
import * as nn from "../nn/index.js";
import type { Tensor } from "../core/tensor.js";

/** Options of SpeechCnn. */
export interface SpeechCnnOptions {
  /** Output classes (default 10). */
  numClasses?: number;
  /** Channels of the three conv blocks (default [16, 32, 64]). */
  channels?: number[];
  dropout?: number;
}

/**
 * Three conv3x3-BatchNorm-ReLU blocks (max-pooled 2x2 after the first two), global
 * average pooling over mel bands and time, dropout and a linear classifier. Works
 * for any spectrogram size, since the pooling is adaptive.
 * @example new SpeechCnn({ numClasses: 10 }).forward(x) // x [N, 1, nMels, frames] → [N, 10]
 */
export class SpeechCnn extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;

  constructor(opts: SpeechCnnOptions = {}) {
    super();
    const [c1, c2, c3] = opts.channels ?? [16, 32, 64];
    const block = (cin: number, cout: number, pool: boolean): nn.Module[] => [
      new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(cout),
      new nn.ReLU(),
      ...(pool ? [new nn.MaxPool2d(2)] : []),
    ];
    this.features = new nn.Sequential(...block(1, c1, true), ...block(c1, c2, true), ...block(c2, c3, false));
    this.classifier = new nn.Sequential(
      new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Dropout(opts.dropout ?? 0.2), new nn.Linear(c3, opts.numClasses ?? 10),
    );
  }

  /** x [N, 1, nMels, frames] (or [N, nMels, frames]) → logits [N, numClasses]. */
  override forward(x: Tensor): Tensor {
    const inp = x.ndim === 3 ? x.unsqueeze(1) : x;
    if (inp.ndim !== 4 || inp.shape[1] !== 1) throw new Error(`SpeechCnn: expected input [N, 1, nMels, frames] or [N, nMels, frames], got [${x.shape.join(", ")}]`);
    return this.classifier.forward(this.features.forward(inp));
  }
}
