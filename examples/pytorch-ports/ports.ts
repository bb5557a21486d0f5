/** The six ports by name, each with its run(opts) returning { metric } (for compare.ts and the tests). */
import * as mnist from "./mnist.js";
import * as vae from "./vae.js";
import * as dcgan from "./dcgan.js";
import * as wordLanguageModel from "./word_language_model.js";
import * as timeSequencePrediction from "./time_sequence_prediction.js";
import * as gcn from "./gcn.js";

export const PORTS: Record<string, { run: (opts: { seed: number }) => { metric: number } }> = {
  mnist, vae, dcgan, word_language_model: wordLanguageModel, time_sequence_prediction: timeSequencePrediction, gcn,
};
