// The playground's data sets, plain JavaScript with no imports: the page runs this
// module, and "export code" copies its text verbatim into the exported program, so the
// program trains on exactly the points the page showed (same seed, same generator).

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample from two uniforms (Box-Muller). */
function gauss(r) {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * `n` points of a named 2-D set in [-1, 1]^2 with Gaussian noise of std `noise`
 * (a fraction of the unit square). Classification sets: labels 0/1. "plane": a
 * regression target in [-1, 1]. Returns { x: Float32Array (n*2), y: number[], kind }.
 */
export function makeDataset(name, n, noise, seed) {
  const r = rng(seed);
  const x = new Float32Array(2 * n), y = [];
  for (let i = 0; i < n; i++) {
    let a = 0, b = 0, label = i % 2;
    if (name === "circle") {
      // Inner disc (radius < 0.4) is class 1, outer ring (0.6 .. 0.9) class 0.
      const rad = label ? 0.4 * Math.sqrt(r()) : 0.6 + 0.3 * r(), ang = 2 * Math.PI * r();
      a = rad * Math.cos(ang); b = rad * Math.sin(ang);
    } else if (name === "xor") {
      a = 2 * r() - 1; b = 2 * r() - 1;
      // Keep a margin around the axes so the quadrants are separable without noise.
      a += a > 0 ? 0.05 : -0.05; b += b > 0 ? 0.05 : -0.05;
      label = a * b > 0 ? 1 : 0;
    } else if (name === "gauss") {
      const c = label ? 0.45 : -0.45;
      a = c + 0.2 * gauss(r); b = c + 0.2 * gauss(r);
    } else if (name === "spirals") {
      // Two interleaved spirals of 1.5 turns; label = which arm.
      const t = 0.15 + 0.85 * Math.sqrt(r()), ang = t * 3 * Math.PI + label * Math.PI;
      a = 0.9 * t * Math.cos(ang); b = 0.9 * t * Math.sin(ang);
    } else if (name === "plane") {
      a = 2 * r() - 1; b = 2 * r() - 1;
      label = 0.6 * a - 0.4 * b;
    } else {
      throw new Error(`makeDataset: unknown data set "${name}"; expected circle, xor, gauss, spirals or plane`);
    }
    x[2 * i] = a + noise * gauss(r);
    x[2 * i + 1] = b + noise * gauss(r);
    y.push(label);
  }
  return { x, y, kind: name === "plane" ? "regression" : "classification" };
}

/** Parses CSV text with a header row (commas or semicolons; quoted fields may hold separators). */
export function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) throw new Error("parseCsv: expected a header row and at least one data row");
  const sep = (lines[0].match(/;/g) ?? []).length > (lines[0].match(/,/g) ?? []).length ? ";" : ",";
  const split = (line) => {
    const out = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"') { if (quoted && line[i + 1] === '"') { cur += '"'; i++; } else quoted = !quoted; }
      else if (c === sep && !quoted) { out.push(cur.trim()); cur = ""; }
      else cur += c;
    }
    out.push(cur.trim());
    return out;
  };
  const columns = split(lines[0]);
  const rows = lines.slice(1).map(split);
  rows.forEach((r, i) => {
    if (r.length !== columns.length) throw new Error(`parseCsv: row ${i + 2} has ${r.length} fields, the header has ${columns.length}`);
  });
  return { columns, rows };
}

/**
 * A data set from parsed CSV: `features` (numeric columns, standardised to mean 0,
 * std 1) and `target` (a column of labels, or numbers for regression when it has more
 * than 20 distinct numeric values). Rows are shuffled with `seed` so the train/test
 * split does not follow the file's order.
 */
export function csvDataset(table, features, target, seed) {
  const col = (name) => {
    const j = table.columns.indexOf(name);
    if (j < 0) throw new Error(`csvDataset: no column "${name}"; columns are ${table.columns.join(", ")}`);
    return j;
  };
  const fj = features.map(col), tj = col(target);
  if (fj.length === 0) throw new Error("csvDataset: pick at least one feature column");
  if (fj.includes(tj)) throw new Error(`csvDataset: "${target}" is both a feature and the target`);
  const rows = table.rows.filter((r) => fj.every((j) => r[j] !== "" && Number.isFinite(Number(r[j]))) && r[tj] !== "");
  if (rows.length < 4) throw new Error(`csvDataset: only ${rows.length} rows have numbers in every feature column`);
  const r = rng(seed);
  for (let i = rows.length - 1; i > 0; i--) {
    const k = Math.floor(r() * (i + 1));
    [rows[i], rows[k]] = [rows[k], rows[i]];
  }
  const n = rows.length, d = fj.length, x = new Float32Array(n * d);
  for (let c = 0; c < d; c++) {
    const v = rows.map((row) => Number(row[fj[c]]));
    const mean = v.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / n) || 1;
    v.forEach((val, i) => { x[i * d + c] = (val - mean) / std; });
  }
  const raw = rows.map((row) => row[tj]);
  const distinct = [...new Set(raw)];
  const numeric = raw.every((v) => Number.isFinite(Number(v)));
  if (numeric && distinct.length > 20) return { x, y: raw.map(Number), kind: "regression", classes: [], inDim: d };
  const classes = distinct.sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : 1));
  return { x, y: raw.map((v) => classes.indexOf(v)), kind: "classification", classes, inDim: d };
}
