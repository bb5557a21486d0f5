/**
 * Reference models for one-step-ahead forecasting of a univariate series from a
 * sliding window of its past values. All take a window [N, W] of (scaled) values
 * and return one prediction per window [N, 1]. Parameter names follow the PyTorch
 * modules they mirror (`net.0.weight`, `conv.0.weight`, `lstm.weight_ih_l0`, `head.weight`),
 * so the same classes written in PyTorch exchange state dicts with these.
 */
import * as nn from "../nn/index.js";
import type { Tensor } from "../core/tensor.js";

/** Options shared by the forecasters. */
export interface ForecasterOptions {
  /** Hidden width (MLP units, CNN channels or LSTM state size). */
  hidden?: number;
  /** Dropout before the output layer (default 0). */
  dropout?: number;
}

/**
 * Window → next value with a 2-hidden-layer MLP (ReLU).
 * @example const m = new MlpForecaster(24, { hidden: 64 }); m.forward(x) // x [N, 24] → [N, 1]
 */
export class MlpForecaster extends nn.Module {
  net: nn.Sequential;

  constructor(readonly window: number, opts: ForecasterOptions = {}) {
    super();
    const h = opts.hidden ?? 64;
    this.net = new nn.Sequential(
      new nn.Linear(window, h), new nn.ReLU(),
      new nn.Linear(h, h), new nn.ReLU(), new nn.Dropout(opts.dropout ?? 0),
      new nn.Linear(h, 1),
    );
  }

  /** x [N, W] → [N, 1]. */
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.window) throw new Error(`MlpForecaster: expected input [N, ${this.window}], got [${x.shape.join(", ")}]`);
    return this.net.forward(x);
  }
}

/**
 * Window → next value with a small temporal CNN: two Conv1d(kernel 3, "same")+ReLU
 * layers over the window as one channel, then a Linear read-out of all positions.
 * @example const m = new CnnForecaster(24, { hidden: 16 }); m.forward(x) // [N, 24] → [N, 1]
 */
export class CnnForecaster extends nn.Module {
  conv: nn.Sequential;
  head: nn.Sequential;

  constructor(readonly window: number, opts: ForecasterOptions & { kernelSize?: number } = {}) {
    super();
    const c = opts.hidden ?? 16, k = opts.kernelSize ?? 3;
    this.conv = new nn.Sequential(
      new nn.Conv1d(1, c, k, { padding: "same" }), new nn.ReLU(),
      new nn.Conv1d(c, c, k, { padding: "same" }), new nn.ReLU(),
    );
    this.head = new nn.Sequential(new nn.Flatten(), new nn.Dropout(opts.dropout ?? 0), new nn.Linear(c * window, 1));
  }

  /** x [N, W] → [N, 1]. */
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.window) throw new Error(`CnnForecaster: expected input [N, ${this.window}], got [${x.shape.join(", ")}]`);
    return this.head.forward(this.conv.forward(x.unsqueeze(1)));
  }
}

/**
 * Window → next value with a one-layer LSTM read step by step; the last hidden
 * state goes through a Linear head.
 * @example const m = new LstmForecaster({ hidden: 32 }); m.forward(x) // [N, W] → [N, 1]
 */
export class LstmForecaster extends nn.Module {
  lstm: nn.LSTM;
  head: nn.Linear;

  constructor(opts: ForecasterOptions & { numLayers?: number } = {}) {
    super();
    const h = opts.hidden ?? 32;
    this.lstm = new nn.LSTM(1, h, { batchFirst: true, numLayers: opts.numLayers ?? 1 });
    this.head = new nn.Linear(h, 1);
  }

  /** x [N, W] → [N, 1]. */
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 2) throw new Error(`LstmForecaster: expected input [N, W], got [${x.shape.join(", ")}]`);
    const [out] = this.lstm.forward(x.unsqueeze(2));
    return this.head.forward(out.select(1, out.shape[1] - 1));
  }
}
