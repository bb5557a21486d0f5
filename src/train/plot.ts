/**
 * Renders a training history (loss and metric curves, train vs validation) as a
 * standalone SVG a person can open in any browser; no dependencies.
 */

/** Keras-style history: series by name ("loss", "val_loss", "accuracy", ...). */
export type HistoryRecord = Record<string, number[]>;

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) {
    hi = lo + 1;
  }
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** One panel per base metric (loss, accuracy, ...), train and val_ curves overlaid. */
export function historyToSvg(history: HistoryRecord, title = "Training history"): string {
  const bases = [...new Set(Object.keys(history).filter((k) => k !== "epoch").map((k) => k.replace(/^val_/, "")))]
    .filter((b) => (history[b]?.length ?? 0) > 0 || (history[`val_${b}`]?.length ?? 0) > 0);
  const pw = 420, ph = 260, m = { l: 56, r: 16, t: 34, b: 40 };
  const cols = Math.min(2, Math.max(1, bases.length));
  const rows = Math.ceil(bases.length / cols) || 1;
  const W = cols * pw, H = rows * ph + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  bases.forEach((base, i) => {
    const ox = (i % cols) * pw, oy = 30 + Math.floor(i / cols) * ph;
    const series = [base, `val_${base}`].filter((k) => history[k]?.length).map((k) => ({ key: k, ys: history[k] }));
    const all = series.flatMap((s) => s.ys.filter(Number.isFinite));
    const n = Math.max(...series.map((s) => s.ys.length));
    let lo = Math.min(...all), hi = Math.max(...all);
    if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
    const pad = (hi - lo) * 0.05;
    lo -= pad; hi += pad;
    const x = (j: number) => ox + m.l + (n <= 1 ? 0.5 : j / (n - 1)) * (pw - m.l - m.r);
    const y = (v: number) => oy + m.t + (1 - (v - lo) / (hi - lo)) * (ph - m.t - m.b);
    parts.push(`<text x="${ox + pw / 2}" y="${oy + 18}" text-anchor="middle" font-size="13">${escapeXml(base)}</text>`);
    parts.push(`<rect x="${ox + m.l}" y="${oy + m.t}" width="${pw - m.l - m.r}" height="${ph - m.t - m.b}" fill="none" stroke="#999"/>`);
    for (const t of niceTicks(lo, hi)) {
      parts.push(`<line x1="${ox + m.l}" x2="${ox + pw - m.r}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
      parts.push(`<text x="${ox + m.l - 4}" y="${y(t) + 4}" text-anchor="end">${+t.toPrecision(4)}</text>`);
    }
    const xt = niceTicks(1, Math.max(n, 2), Math.min(8, Math.max(n - 1, 1))).filter((t) => Number.isInteger(t) && t <= n);
    for (const t of xt) parts.push(`<text x="${x(t - 1)}" y="${oy + ph - m.b + 14}" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${ox + pw / 2}" y="${oy + ph - 8}" text-anchor="middle">epoch</text>`);
    series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length];
      const pts = s.ys.map((v, j) => (Number.isFinite(v) ? `${x(j).toFixed(1)},${y(v).toFixed(1)}` : null)).filter(Boolean);
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`);
      s.ys.forEach((v, j) => Number.isFinite(v) && parts.push(`<circle cx="${x(j).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${color}"/>`));
      parts.push(`<rect x="${ox + pw - m.r - 96}" y="${oy + m.t + 6 + si * 16}" width="10" height="10" fill="${color}"/>`);
      parts.push(`<text x="${ox + pw - m.r - 82}" y="${oy + m.t + 15 + si * 16}">${s.key.startsWith("val_") ? "validation" : "train"}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
