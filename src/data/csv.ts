/**
 * Numeric CSV parsing (no fs here; node/csv.ts reads files): quoted fields, CRLF,
 * custom delimiters, column selection by name or index, and an optional target
 * column. Ragged rows and non-numeric cells raise errors naming the line.
 */
import { Tensor, make } from "../core/tensor.js";
import { TensorDataset } from "./dataset.js";

/** Options of parseCsv/loadCsv. */
export interface CsvOptions {
  /** The first row holds column names (default true). */
  header?: boolean;
  /** Field separator (default ","). */
  delimiter?: string;
  /** Feature columns, by name (needs a header) or 0-based index (default: all but the target). */
  columns?: (string | number)[];
  /** The target column, by name or index; it becomes `target`. */
  target?: string | number;
  /** dtype of the features (default "float32"). */
  dtype?: "float32" | "float64";
  /** dtype of the target (default: "int32" when every value is an integer, else "float32"). */
  targetDtype?: "float32" | "float64" | "int32";
}

/** A parsed CSV: features [N, F], an optional target [N], and a TensorDataset of them. */
export interface CsvData {
  features: Tensor;
  target: Tensor | undefined;
  /** Names of the feature columns (from the header, or "0", "1", ... without one). */
  columns: string[];
  /** Name of the target column, if any. */
  targetColumn: string | undefined;
  /** TensorDataset(features, target) — or of the features alone. */
  dataset: TensorDataset;
}

/** Splits CSV text into rows of raw cells with their 1-based line numbers (RFC 4180 quoting). */
function splitRows(text: string, delim: string, source: string): { cells: string[]; line: number }[] {
  const rows: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1, rowLine = 1;
  let inQuotes = false, quoted = false;
  const endRow = () => {
    cells.push(cell);
    // Blank lines (a single empty unquoted cell) are skipped, like pandas does.
    if (!(cells.length === 1 && cells[0].trim() === "" && !quoted)) rows.push({ cells, line: rowLine });
    cells = [];
    cell = "";
    quoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else inQuotes = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === "") {
      inQuotes = true;
      quoted = true;
      cell = "";
    } else if (text.startsWith(delim, i)) {
      cells.push(cell);
      cell = "";
      i += delim.length - 1;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += ch;
    }
  }
  if (inQuotes) throw new Error(`loadCsv: ${source}: line ${rowLine}: unterminated quoted field`);
  if (cell !== "" || cells.length > 0) endRow();
  return rows;
}

function toNumber(s: string): number {
  const t = s.trim();
  if (t === "") return NaN;
  const low = t.toLowerCase();
  if (low === "nan") return NaN;
  if (low === "inf" || low === "+inf" || low === "infinity") return Infinity;
  if (low === "-inf" || low === "-infinity") return -Infinity;
  const v = Number(t);
  return v;
}

/**
 * Parses numeric CSV text into features/target tensors.
 * @example const { features, target } = parseCsv("a,b,y\n1,2,0\n3,4,1\n", { target: "y" });
 */
export function parseCsv(text: string, opts: CsvOptions = {}, source = "CSV text"): CsvData {
  const delim = opts.delimiter ?? ",";
  if (delim.length === 0 || delim === '"' || delim.includes("\n")) throw new Error(`loadCsv: invalid delimiter ${JSON.stringify(delim)}`);
  const rows = splitRows(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, delim, source);
  const hasHeader = opts.header ?? true;
  if (rows.length === 0 || (hasHeader && rows.length === 1)) throw new Error(`loadCsv: ${source}: no data rows`);
  const width = rows[0].cells.length;
  const names = hasHeader ? rows[0].cells.map((c) => c.trim()) : Array.from({ length: width }, (_, k) => String(k));
  const colIndex = (c: string | number, what: string): number => {
    if (typeof c === "number") {
      if (!Number.isInteger(c) || c < 0 || c >= width) throw new RangeError(`loadCsv: ${source}: ${what} index ${c} is out of range for ${width} columns`);
      return c;
    }
    const k = names.indexOf(c);
    if (k < 0) throw new Error(`loadCsv: ${source}: ${what} "${c}" is not a column (columns: ${names.join(", ")})`);
    return k;
  };
  const targetIdx = opts.target === undefined ? -1 : colIndex(opts.target, "target column");
  const featIdx = opts.columns ? opts.columns.map((c) => colIndex(c, "column")) : names.map((_, k) => k).filter((k) => k !== targetIdx);
  const data = rows.slice(hasHeader ? 1 : 0);
  const n = data.length, f = featIdx.length;
  const feats = new Float64Array(n * f);
  const tgt = new Float64Array(targetIdx >= 0 ? n : 0);
  const cellValue = (r: { cells: string[]; line: number }, k: number): number => {
    const raw = r.cells[k];
    const v = toNumber(raw);
    if (Number.isNaN(v) && !/^\s*nan\s*$/i.test(raw)) {
      throw new Error(`loadCsv: ${source}: line ${r.line}, column ${k + 1} ("${names[k]}"): ${raw.trim() === "" ? "empty cell" : `non-numeric value ${JSON.stringify(raw)}`}`);
    }
    return v;
  };
  for (let i = 0; i < n; i++) {
    const r = data[i];
    if (r.cells.length !== width) {
      throw new Error(`loadCsv: ${source}: line ${r.line} has ${r.cells.length} fields but the ${hasHeader ? "header" : "first row"} has ${width} (ragged rows)`);
    }
    for (let j = 0; j < f; j++) feats[i * f + j] = cellValue(r, featIdx[j]);
    if (targetIdx >= 0) tgt[i] = cellValue(r, targetIdx);
  }
  const dtype = opts.dtype ?? "float32";
  const features = make(dtype === "float64" ? feats : Float32Array.from(feats), [n, f], dtype);
  let target: Tensor | undefined;
  if (targetIdx >= 0) {
    const td = opts.targetDtype ?? (tgt.every((v) => Number.isInteger(v) && Math.abs(v) <= 2147483647) ? "int32" : "float32");
    target = make(td === "int32" ? Int32Array.from(tgt) : td === "float64" ? tgt : Float32Array.from(tgt), [n], td);
  }
  return {
    features,
    target,
    columns: featIdx.map((k) => names[k]),
    targetColumn: targetIdx >= 0 ? names[targetIdx] : undefined,
    dataset: target ? new TensorDataset(features, target) : new TensorDataset(features),
  };
}
