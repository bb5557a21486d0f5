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

/** Approximate width in px of `s` at font size 11 (digits and most letters ~6.2 px). */
const textWidth = (s: string) => s.length * 6.5;

/**
 * One panel per base metric (loss, accuracy, ...), train and val_ curves overlaid.
 * The left margin grows with the widest y tick label so none is clipped, the legend
 * sits in the panel's header row (outside the plot, so it never hides a curve), and
 * the first and last points stand clear of the frame.
 */
export function historyToSvg(history: HistoryRecord, title = "Training history"): string {
  const bases = [...new Set(Object.keys(history).filter((k) => k !== "epoch").map((k) => k.replace(/^val_/, "")))]
    .filter((b) => (history[b]?.length ?? 0) > 0 || (history[`val_${b}`]?.length ?? 0) > 0);
  const pw = 440, ph = 270, inset = 10;
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
    const yTicks = niceTicks(lo, hi).map((t) => ({ t, label: String(+t.toPrecision(4)) }));
    const m = { l: Math.max(40, 12 + Math.max(...yTicks.map((t) => textWidth(t.label)))), r: 20, t: 40, b: 40 };
    const x = (j: number) => ox + m.l + inset + (n <= 1 ? 0.5 : j / (n - 1)) * (pw - m.l - m.r - 2 * inset);
    const y = (v: number) => oy + m.t + (1 - (v - lo) / (hi - lo)) * (ph - m.t - m.b);
    parts.push(`<text x="${ox + m.l}" y="${oy + 24}" font-size="13">${escapeXml(base)}</text>`);
    parts.push(`<rect x="${ox + m.l}" y="${oy + m.t}" width="${pw - m.l - m.r}" height="${ph - m.t - m.b}" fill="none" stroke="#999"/>`);
    for (const { t, label } of yTicks) {
      parts.push(`<line x1="${ox + m.l}" x2="${ox + pw - m.r}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
      parts.push(`<text x="${ox + m.l - 4}" y="${y(t) + 4}" text-anchor="end">${label}</text>`);
    }
    const xt = niceTicks(1, Math.max(n, 2), Math.min(8, Math.max(n - 1, 1))).filter((t) => Number.isInteger(t) && t <= n);
    for (const t of xt) parts.push(`<text x="${x(t - 1)}" y="${oy + ph - m.b + 14}" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${ox + m.l + (pw - m.l - m.r) / 2}" y="${oy + ph - 8}" text-anchor="middle">epoch</text>`);
    // Legend (train vs validation) right-aligned in the header row, laid out from the right.
    let lx = ox + pw - m.r;
    if (series.length > 1) series.slice().reverse().forEach((s) => {
      const si = series.indexOf(s), label = s.key.startsWith("val_") ? "validation" : "train";
      lx -= textWidth(label) + 16;
      parts.push(`<rect x="${lx}" y="${oy + 15}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/>`);
      parts.push(`<text x="${lx + 14}" y="${oy + 24}">${label}</text>`);
      lx -= 8;
    });
    series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length];
      const pts = s.ys.map((v, j) => (Number.isFinite(v) ? `${x(j).toFixed(1)},${y(v).toFixed(1)}` : null)).filter(Boolean);
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`);
      s.ys.forEach((v, j) => Number.isFinite(v) && parts.push(`<circle cx="${x(j).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${color}"/>`));
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
