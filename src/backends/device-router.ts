/**
 * Ops run where their inputs are: once a device (WebGPU) is initialised, every kernel
 * call goes through this router, which looks at the call's tensor arguments and sends
 * it to the device's backend when they are device arrays, to the CPU backend when they
 * are TypedArrays, and throws when a call mixes the two (a device mix-up must never
 * compute garbage). Before a device exists the CPU backend is called directly: CPU-only
 * programs pay nothing for this.
 */
import type { Backend } from "./backend.js";
import { DeviceArray } from "../core/storage.js";

type Method = Exclude<keyof Backend, "name" | "conv2dFused" | "depthwiseConv2d">;

/** Which arguments of each kernel are tensor memory (the rest are sizes, options, CPU-side tables or RNG state). */
const TENSOR_ARGS: Record<Method, readonly number[]> = {
  unary: [1, 2], binary: [1, 3, 5], reluBackward: [0, 1, 2], hardtanhBackward: [0, 1, 4], where: [0, 1, 2, 3], clamp: [0, 3], cast: [0, 1],
  reduce: [1, 5], argReduce: [1, 5], cumulative: [1, 5], matmul: [0, 1, 2], strided: [0, 4], stridedAssign: [0, 1],
  gather: [0, 1, 6], scatter: [0, 1, 2], im2col: [0, 3], col2im: [0, 3], maxPool2d: [0, 7, 8], maxPool2dBackward: [0, 1, 5],
  avgPool2d: [0, 9], avgPool2dBackward: [0, 9], lstmCell: [0, 1, 4, 5, 6], lstmCellBackward: [0, 1, 2, 3, 4, 7, 8, 9],
  softmax: [0, 6], softmaxBackward: [0, 1, 6], layerNorm: [0, 1, 2, 6, 7, 8], layerNormBackward: [0, 1, 2, 3, 4, 7, 8, 9],
  bernoulliMask: [3], adamStep: [0, 1, 2, 3, 4], gruCell: [0, 1, 2, 5, 6], gruCellBackward: [0, 1, 2, 5, 6, 7],
};

/** The Error for a kernel call whose tensors live on different devices. */
export function deviceMixError(method: string, devices: readonly string[]): Error {
  const uniq = [...new Set(devices)];
  return new Error(
    `${method}: expected all tensors on the same device, got ${uniq.map((d) => JSON.stringify(d)).join(" and ")}; ` +
      `move them first (t.to("webgpu"), or await t.toAsync("cpu"))`,
  );
}

/** A Backend that sends each call to `cpu` or `device` by where its tensors live. */
export function routeDevices(cpu: Backend, device: Backend): Backend {
  // The CPU's fused conv kernels pass through: device convs take fusedConvFor(device) before reaching them.
  const routed = { name: cpu.name, conv2dFused: cpu.conv2dFused, depthwiseConv2d: cpu.depthwiseConv2d } as Record<string, unknown>;
  for (const [m, idx] of Object.entries(TENSOR_ARGS) as [Method, readonly number[]][]) {
    const onCpu = (cpu[m] as (...a: unknown[]) => void).bind(cpu);
    const onDevice = (device[m] as (...a: unknown[]) => void).bind(device);
    routed[m] = (...args: unknown[]) => {
      let seen = 0;
      for (const i of idx) {
        const a = args[i];
        if (a === null || a === undefined) continue;
        seen |= a instanceof DeviceArray ? 2 : 1;
      }
      if (seen === 3) {
        throw deviceMixError(m, idx.filter((i) => args[i] != null).map((i) => (args[i] instanceof DeviceArray ? (args[i] as DeviceArray).storage.device : "cpu")));
      }
      return seen & 2 ? onDevice(...args) : onCpu(...args);
    };
  }
  return routed as unknown as Backend;
}
