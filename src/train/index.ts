/**
 * The training toolkit (`myelin/train`, also re-exported from `"myelin"`): the `fit` /
 * `evaluate` loop, metrics, callbacks, checkpoints, the progress bar and the SVG
 * history plot. File-system helpers stay out (checkpoint and plot writers load them
 * lazily in Node), so this entry point bundles for browsers.
 */
export { fit, evaluate, evaluateAsync, type FitOptions, type EvaluateOptions } from "./fit.js";
export {
  EarlyStopping, LRSchedulerCallback, GradientClipping, GradNormMonitor, PlotHistory, gradNorm,
  type EarlyStoppingOptions, type GradNormMonitorOptions,
} from "./callbacks.js";
export {
  ModelCheckpoint, saveCheckpoint, loadCheckpoint, restoreCheckpoint, checkpointToBytes, checkpointFromBytes,
  type CheckpointState, type LoadedCheckpoint, type ModelCheckpointOptions,
} from "./checkpoint.js";
export {
  accuracy, topKAccuracy, confusionMatrix, precisionRecallF1, mae, rmse, r2Score, makeMetric,
  type Metric, type MetricName, type PrecisionRecallF1,
} from "./metrics.js";
export { ProgressBar, formatDuration, formatLogs, type ProgressStream } from "./progress.js";
export { historyToSvg, type HistoryRecord } from "./plot.js";
export type { Callback, History, LossFn, ModelLike, OptimizerLike, SchedulerLike, TrainContext } from "./types.js";
