/**
 * Canvas drawing for the playground: heat maps (decision regions, neuron outputs),
 * data points, line charts (loss/accuracy, gradient norms on a log scale) and weight
 * histograms. Pure functions of the numbers the worker sent; no state of their own.
 */

/** Diverging colours of the two classes / the sign of a value (orange negative, blue positive). */
const NEG = [245, 147, 34], POS = [8, 119, 189], MID = [232, 234, 235];
/** Class colours beyond two (CSV/MNIST). */
export const PALETTE = [[245, 147, 34], [8, 119, 189], [46, 160, 67], [200, 50, 90], [140, 90, 200], [120, 120, 120], [220, 200, 40], [30, 190, 190], [150, 80, 40], [0, 0, 0]];

/** Colour of t in [-1, 1] on the orange–white–blue scale. */
function diverging(t: number): number[] {
  const a = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const [from, w] = a < 0 ? [NEG, -a] : [POS, a];
  return [0, 1, 2].map((k) => MID[k] + (from[k] - MID[k]) * w);
}

function sized(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/** Fills the canvas with a g×g map; `color(i)` gives cell i's RGB. */
function heat(canvas: HTMLCanvasElement, g: number, color: (i: number) => number[]): void {
  const img = new ImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    const c = color(i);
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  const tmp = new OffscreenCanvas(g, g);
  tmp.getContext("2d")!.putImageData(img, 0, 0);
  const ctx = sized(canvas);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** Decision regions: class probabilities (c per cell) blended with the class colours, or a regression value. */
export function drawDecision(canvas: HTMLCanvasElement, values: Float32Array, g: number, classes: number): void {
  if (classes === 2) return heat(canvas, g, (i) => diverging(2 * values[2 * i + 1] - 1));
  if (classes <= 1) return heat(canvas, g, (i) => diverging(values[i]));
  heat(canvas, g, (i) => {
    const rgb = [0, 0, 0];
    for (let c = 0; c < classes; c++) for (let k = 0; k < 3; k++) rgb[k] += values[i * classes + c] * PALETTE[c % PALETTE.length][k];
    return rgb.map((v) => 0.55 * v + 0.45 * 235);
  });
}

/**
 * One neuron's outputs over the grid, its range [min, max] mapped onto the colour scale
 * (sigmoid and ReLU outputs are never negative, so a fixed scale would paint them one
 * colour). A range under 0.05 is widened to 0.05, so a dead or saturated neuron looks flat.
 */
export function drawNeuron(canvas: HTMLCanvasElement, values: Float32Array, offset: number, g: number): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < g * g; i++) { lo = Math.min(lo, values[offset + i]); hi = Math.max(hi, values[offset + i]); }
  const mid = (lo + hi) / 2, half = Math.max((hi - lo) / 2, 0.025);
  heat(canvas, g, (i) => diverging((values[offset + i] - mid) / half));
}

/** Data points on top of a heat map; test points hollow. */
export function drawPoints(canvas: HTMLCanvasElement, x: Float32Array, y: number[], nTrain: number, b: { x0: number; x1: number; y0: number; y1: number }, kind: string, showTest: boolean): void {
  const ctx = canvas.getContext("2d")!;
  const W = canvas.width, H = canvas.height;
  for (let i = 0; i < y.length; i++) {
    if (i >= nTrain && !showTest) continue;
    const px = ((x[2 * i] - b.x0) / (b.x1 - b.x0)) * W, py = ((b.y1 - x[2 * i + 1]) / (b.y1 - b.y0)) * H;
    const c = kind === "regression" ? diverging(y[i]) : PALETTE[y[i] % PALETTE.length];
    ctx.beginPath();
    ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    ctx.strokeStyle = i < nTrain ? "#fff" : "#000";
    ctx.lineWidth = i < nTrain ? 1 : 1.5;
    ctx.fill();
    ctx.stroke();
  }
}

export interface Series { label: string; color: string; values: number[]; dashed?: boolean }

/** Line chart of several series against the update index; `log` plots log10. Returns nothing; draws axes labels. */
export function drawLines(canvas: HTMLCanvasElement, series: Series[], opts: { log?: boolean; min?: number; max?: number } = {}): void {
  const ctx = sized(canvas);
  const W = canvas.width, H = canvas.height, pad = 28;
  const tf = (v: number) => (opts.log ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite).map(tf));
  if (all.length === 0) return;
  let lo = opts.min ?? Math.min(...all), hi = opts.max ?? Math.max(...all);
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  const n = Math.max(2, ...series.map((s) => s.values.length));
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#555";
  ctx.fillText(opts.log ? `1e${hi.toFixed(1)}` : hi.toPrecision(3), 2, 10);
  ctx.fillText(opts.log ? `1e${lo.toFixed(1)}` : lo.toPrecision(3), 2, H - 2);
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(pad, 2, W - pad - 2, H - 4);
  for (const s of series) {
    ctx.beginPath();
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(s.dashed ? [4, 3] : []);
    let started = false;
    s.values.forEach((v, i) => {
      const t = tf(v);
      if (!Number.isFinite(t)) { started = false; return; }
      const px = pad + (i / (n - 1)) * (W - pad - 4), py = 2 + (1 - (Math.min(hi, Math.max(lo, t)) - lo) / (hi - lo)) * (H - 4);
      if (started) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      started = true;
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** Bar chart of a weight histogram over [lo, hi]. */
export function drawHistogram(canvas: HTMLCanvasElement, h: { lo: number; hi: number; counts: number[] }): void {
  const ctx = sized(canvas);
  const W = canvas.width, H = canvas.height - 12, max = Math.max(1, ...h.counts), bw = W / h.counts.length;
  ctx.fillStyle = "#0877bd";
  h.counts.forEach((c, i) => {
    const bh = (c / max) * (H - 2);
    ctx.fillRect(i * bw + 0.5, H - bh, bw - 1, bh);
  });
  ctx.fillStyle = "#555";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(h.lo.toPrecision(2), 0, canvas.height - 1);
  const hi = h.hi.toPrecision(2);
  ctx.fillText(hi, W - ctx.measureText(hi).width, canvas.height - 1);
}

/** Colour of layer i of n in the gradient-norm chart (input layers dark, output light). */
export function layerColor(i: number, n: number): string {
  const t = n <= 1 ? 0 : i / (n - 1);
  return `hsl(${Math.round(270 - 230 * t)}, 70%, ${Math.round(35 + 20 * t)}%)`;
}
