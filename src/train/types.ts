/**
 * The structural types the training loop works with, so it accepts any model,
 * optimizer, scheduler and loss that follow PyTorch's shape of API.
 */
import type { Tensor } from "../core/tensor.js";

export interface ModelLike {
  /** Must return the prediction tensor for the batch's inputs. */
  forward(...inputs: never[]): unknown;
  train(mode?: boolean): unknown;
  eval(): unknown;
  parameters(): Tensor[];
  namedParameters?(): Iterable<[string, Tensor]>;
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

export interface OptimizerLike {
  zeroGrad(opts?: { setToNone?: boolean }): void;
  step(closure?: () => Tensor): unknown;
  stateDict?(): unknown;
  loadStateDict?(sd: never): void;
  paramGroups?: { lr: number }[];
}

export interface SchedulerLike {
  step(metric?: number): void;
  getLastLr?(): number[];
  stateDict?(): unknown;
  loadStateDict?(sd: never): void;
}

export type LossFn = ((pred: Tensor, target: Tensor) => Tensor) | { forward(pred: Tensor, target: Tensor): Tensor };

/** Keras-style history: "loss", "accuracy", "val_loss", "val_accuracy", "lr", ... by epoch. */
export type History = Record<string, number[]>;

/** State shared with callbacks during `fit`. */
export interface TrainContext {
  model: ModelLike;
  optimizer: OptimizerLike;
  history: History;
  epoch: number;
  epochs: number;
  /** Global optimisation step count. */
  step: number;
  /** Set to true (e.g. by early stopping) to end training after this epoch. */
  stopTraining: boolean;
}

/** Hooks called by `fit`; every method is optional. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(ctx: TrainContext): void | Promise<void>;
  /** After loss.backward(), before optimizer.step(): gradient clipping and monitoring go here. */
  onAfterBackward?(ctx: TrainContext, logs: Record<string, number>): void;
  onBatchEnd?(ctx: TrainContext, logs: Record<string, number>): void;
  onEpochEnd?(ctx: TrainContext, logs: Record<string, number>): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}
