/**
 * `data`: datasets, DataLoader, transforms and loaders for standard formats.
 */
export { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit } from "./dataset.js";
export { DataLoader, type DataLoaderOptions, type BatchedDataset } from "./dataloader.js";
export { defaultCollate } from "./collate.js";
export { parseIdx, parseIdxImages, readIdxHeader, type IdxHeader } from "./idx.js";
export { loadIdx, mnist, fashionMnist, installedMnistData, FASHION_MNIST_DEBIAN_DIR, type MnistOptions } from "./node/idx.js";
export { MNIST, FashionMNIST, Planetoid, TinyShakespeare, TimeSeries, type RootOptions, type MnistDatasetOptions, type PlanetoidOptions, type TimeSeriesOptions } from "./node/datasets.js";
export { parsePlanetoid, type PlanetoidGraph } from "./planetoid.js";
export type { Resource, DownloadOptions } from "./node/download.js";
export * as transforms from "./transforms.js";
export { parseCsv, type CsvData, type CsvOptions } from "./csv.js";
export { loadCsv } from "./node/csv.js";
export { TextCorpus, Vocab, SequenceWindows, SequenceSource, charVocab, wordVocab, tokenizeWords } from "./text.js";
export { loadText } from "./node/text.js";
export { readWav, fft, hannWindow, powerSpectrogram, hzToMel, melToHz, melFilterbank, logMelSpectrogram, type Wav, type SpectrogramOptions } from "./audio.js";
