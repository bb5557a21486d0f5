/**
 * Node loader for numeric CSV files (plain or gzipped by magic bytes); parsing lives
 * in ../csv.ts so the browser can parse fetched text with parseCsv.
 */
import { parseCsv, type CsvData, type CsvOptions } from "../csv.js";
import { readMaybeGzip } from "./files.js";

/**
 * Reads a numeric CSV file into features [N, F] (float32), an optional target [N]
 * and a TensorDataset of them; errors name the file and line.
 * @example const { dataset, columns } = loadCsv("iris.csv", { target: "species" });
 */
export function loadCsv(path: string, opts: CsvOptions = {}): CsvData {
  const text = new TextDecoder("utf-8").decode(readMaybeGzip(path, "loadCsv"));
  return parseCsv(text, opts, path);
}
