/**
 * The structural types the training loop works with, so it accepts any model,
 * optimizer, scheduler and loss that follow PyTorch's shape of API.
 */
import type { Tensor } from "../core/tensor.js";

/** What {@link fit} needs of a model: any `nn.Module` qualifies. */
export interface ModelLike {
  /** Must return the prediction tensor for the batch's inputs. */
  forward(...inputs: never[]): unknown;
  /** Switches to training mode (dropout on, batch-norm statistics updated). */
  train(mode?: boolean): unknown;
  /** Switches to evaluation mode. */
  eval(): unknown;
  /** The trainable tensors. */
  parameters(): Tensor[];
  /** Parameters with their state-dict names (used to name a parameter in gradient warnings). */
  namedParameters?(): Iterable<[string, Tensor]>;
  /** Weights and buffers by PyTorch's key names (for checkpoints and best-weight restore). */
  stateDict(): Record<string, Tensor>;
  /** Puts weights from {@link ModelLike.stateDict} back. */
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

/** What {@link fit} needs of an optimizer: any `optim.*` optimizer qualifies. */
export interface OptimizerLike {
  /** Clears the parameters' gradients before each backward. */
  zeroGrad(opts?: { setToNone?: boolean }): void;
  /** Updates the parameters from their gradients. */
  step(closure?: () => Tensor): unknown;
  /** Optimizer state (moments, step counts) for checkpoints. */
  stateDict?(): unknown;
  /** Restores state saved by `stateDict`. */
  loadStateDict?(sd: never): void;
  paramGroups?: { lr: number }[];
}

/** What the training toolkit needs of a learning-rate scheduler: any `optim.lrScheduler` class qualifies. */
export interface SchedulerLike {
  /** Advances the schedule (ReduceLROnPlateau takes the monitored value). */
  step(metric?: number): void;
  /** The learning rates just set, one per parameter group (logged as `lr`). */
  getLastLr?(): number[];
  /** Scheduler state for checkpoints. */
  stateDict?(): unknown;
  /** Restores state saved by `stateDict`. */
  loadStateDict?(sd: never): void;
}

/** A loss: a function `(pred, target) => scalar tensor` such as `F.crossEntropy`, or a loss module such as `new nn.CrossEntropyLoss()`. */
export type LossFn = ((pred: Tensor, target: Tensor) => Tensor) | {
  /** The loss module's computation: (pred, target) → scalar tensor. */
  forward(pred: Tensor, target: Tensor): Tensor;
};

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
  /** Once, before the first epoch. */
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  /** At the start of every epoch. */
  onEpochBegin?(ctx: TrainContext): void | Promise<void>;
  /** After loss.backward(), before optimizer.step(): gradient clipping and monitoring go here. */
  onAfterBackward?(ctx: TrainContext, logs: Record<string, number>): void;
  /** After every optimizer step, with the batch's loss and metrics. */
  onBatchEnd?(ctx: TrainContext, logs: Record<string, number>): void;
  /** After every epoch (and its validation), with the epoch's logs; may add entries to `logs`. */
  onEpochEnd?(ctx: TrainContext, logs: Record<string, number>): void | Promise<void>;
  /** Once, after the last epoch or an early stop. */
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}
