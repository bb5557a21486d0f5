/**
 * `models`: the model zoo — small, readable reference architectures whose parameter
 * names follow the equivalent PyTorch modules, plus a PNG grid writer for looking at
 * generated images.
 */
export { mnistMlp, mnistCnn } from "./mnist.js";
export { Autoencoder, VAE, vaeLoss, gaussianKl, type AutoencoderOptions, type VaeLoss } from "./autoencoder.js";
export { encodePng, imageGrid, gridPng, crc32, type ImageGridOptions, type PngOptions } from "./png.js";
export { decodePng, pngToGray, type DecodedPng } from "./png-decode.js";
export {
  mlpGenerator, mlpDiscriminator, dcganGenerator, dcganDiscriminator, dcganInit,
  discriminatorLoss, generatorLoss, gradientPenalty, wganCriticLoss, wganGeneratorLoss, type GanOptions, type GradientPenaltyOptions,
} from "./gan.js";
export { MlpForecaster, CnnForecaster, LstmForecaster, type ForecasterOptions } from "./forecaster.js";
export { CharTransformer, CharLstm, generate, type CharTransformerOptions, type CharLstmOptions, type CharModel } from "./charlm.js";
export { SpeechCnn, type SpeechCnnOptions } from "./speech.js";
export { MatrixFactorization, NCF, bprLoss, scoreAllItems, type PairScorer } from "./recommender.js";
