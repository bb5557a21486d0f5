/**
 * `explain`: attribution methods after Captum (names, options and defaults camelCased),
 * their quality checks and pictures of them. See docs/explain.md.
 */
export type { ForwardFn, Target, Inputs, Baselines } from "./common.js";
export { Attribution, Saliency, InputXGradient, GuidedBackprop, Deconvolution, IntegratedGradients, leggauss, approximationParameters, type IGMethod, type IGOptions } from "./gradient.js";
export { NoiseTunnel, GradientShap, type NTType } from "./noise.js";
export { DeepLift } from "./deeplift.js";
export { LayerActivation, LayerGradCam, GuidedGradCam, LayerConductance, LayerIntegratedGradients, LayerAttribution } from "./layer.js";
export { FeatureAblation, Occlusion, ShapleyValueSampling, type FeatureMask } from "./perturbation.js";
export { infidelity, sensitivityMax, modelRandomisation, spearman, type PerturbFn, type RandomisationStep } from "./metrics.js";
export { heatmapRgba, heatmapPng, rgbaToPng, upscaleRgba, normalizeAttr, tokenHtml, type HeatmapOptions, type Sign } from "./visualize.js";
