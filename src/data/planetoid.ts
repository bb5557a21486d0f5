/**
 * The Planetoid citation graphs (Cora, CiteSeer) in myelin's JSON layout, parsed from
 * text (no fs here, so the browser can use it): num_nodes, num_features, num_classes,
 * labels, features_csr {indptr, indices} (binary bag of words), edges_undirected
 * [[u, v], ...] and the standard train/val/test node ids of Yang et al. 2016.
 */
import { Tensor, make } from "../core/tensor.js";

/** A Planetoid graph ready for full-batch node classification. */
export interface PlanetoidGraph {
  /** The graph's name (the JSON's "name", else the source). */
  name: string;
  /** Row-normalised bag-of-words features [N, F] float32 (each non-empty row sums to 1, as Kipf & Welling). */
  x: Tensor;
  /** Both directions of every undirected edge, int32 [2, 2E]. */
  edgeIndex: Tensor;
  /** Class of each node, int32 [N]; -1 marks the few unlabelled CiteSeer nodes. */
  y: Tensor;
  /** Number of classes. */
  numClasses: number;
  /** Node ids of the standard training split, int32. */
  trainIndex: Tensor;
  /** Node ids of the standard validation split, int32. */
  valIndex: Tensor;
  /** Node ids of the standard test split, int32. */
  testIndex: Tensor;
}

/** Parses Planetoid JSON text; errors start with `source` and name the field that is wrong. */
export function parsePlanetoid(text: string, source = "Planetoid JSON"): PlanetoidGraph {
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`parsePlanetoid: ${source}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (what: string): never => {
    throw new Error(`parsePlanetoid: ${source}: ${what}`);
  };
  const int = (k: string): number => (Number.isInteger(d[k]) && (d[k] as number) > 0 ? (d[k] as number) : fail(`"${k}" must be a positive integer, got ${JSON.stringify(d[k])}`));
  const ids = (v: unknown, k: string, below: number, from = 0): Int32Array => {
    if (!Array.isArray(v)) fail(`"${k}" must be an array of integers`);
    const out = Int32Array.from(v as number[]);
    out.forEach((u, i) => (Number.isInteger((v as number[])[i]) && u >= from && u < below) || fail(`"${k}"[${i}] = ${(v as number[])[i]} is not an integer in [${from}, ${below})`));
    return out;
  };
  const N = int("num_nodes"), Fdim = int("num_features"), C = int("num_classes");
  const labels = ids(d.labels, "labels", C, -1);
  if (labels.length !== N) fail(`"labels" has ${labels.length} entries for ${N} nodes`);
  const csr = d.features_csr as { indptr?: unknown; indices?: unknown } | undefined;
  const indptr = ids(csr?.indptr, "features_csr.indptr", 2 ** 31 - 1);
  if (indptr.length !== N + 1) fail(`"features_csr.indptr" has ${indptr.length} entries, expected num_nodes + 1 = ${N + 1}`);
  const indices = ids(csr?.indices, "features_csr.indices", Fdim);
  if (indptr[N] !== indices.length) fail(`"features_csr.indptr" ends at ${indptr[N]} but there are ${indices.length} indices`);
  const x = new Float32Array(N * Fdim);
  for (let r = 0; r < N; r++) {
    const cnt = indptr[r + 1] - indptr[r];
    if (cnt < 0) fail(`"features_csr.indptr" decreases at row ${r}`);
    for (let p = indptr[r]; p < indptr[r + 1]; p++) x[r * Fdim + indices[p]] = 1 / cnt;
  }
  if (!Array.isArray(d.edges_undirected)) fail(`"edges_undirected" must be an array of [u, v] pairs`);
  const flat = ids((d.edges_undirected as unknown[]).flat(), "edges_undirected", N);
  const E = flat.length / 2;
  if (flat.length !== 2 * (d.edges_undirected as unknown[]).length) fail(`"edges_undirected" must hold [u, v] pairs`);
  // Each undirected edge {u, v} becomes u → v and v → u: ei = [[u..., v...], [v..., u...]].
  const ei = new Int32Array(4 * E);
  for (let e = 0; e < E; e++) {
    const u = flat[2 * e], v = flat[2 * e + 1];
    ei[e] = u; ei[E + e] = v;
    ei[2 * E + e] = v; ei[3 * E + e] = u;
  }
  const split = (k: string) => {
    const a = ids(d[k], k, N);
    return make(a, [a.length], "int32");
  };
  return {
    name: typeof d.name === "string" ? d.name : source,
    x: make(x, [N, Fdim], "float32"),
    edgeIndex: make(ei, [2, 2 * E], "int32"),
    y: make(labels, [N], "int32"),
    numClasses: C,
    trainIndex: split("train"), valIndex: split("val"), testIndex: split("test"),
  };
}
