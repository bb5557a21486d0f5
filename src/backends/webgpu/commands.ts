/**
 * Command batching: every kernel is encoded into one open compute pass of one command
 * encoder, submitted together when data is read back, when a buffer already in use is
 * overwritten, or after MAX_BATCH dispatches — never one submit per op. Pipelines are
 * compiled once per WGSL source (the source carries the shape class, so a cache by
 * source is a cache by op and shape class).
 */
import { gpuDevice, throwPendingGPUErrors } from "./runtime.js";
import { afterSubmit, allocBuffer, releaseBuffer, setEncodingProbe } from "./pool.js";
import { MAP_MODE_READ, type GPUBufferLike, type GPUCommandEncoderLike, type GPUComputePassLike, type GPUComputePipelineLike, type GPUDeviceLike } from "./gpu-types.js";

/** Dispatches per submit: bounds the latency before the GPU starts and the bind groups held. */
const MAX_BATCH = 512;

let encoder: GPUCommandEncoderLike | null = null;
let pass: GPUComputePassLike | null = null;
let batched = 0;
let submits = 0;
const pipelines = new Map<string, GPUComputePipelineLike>();
setEncodingProbe(() => encoder !== null);

/** A compute pipeline for `code` (entry point `main`), compiled on first use. */
export function pipeline(device: GPUDeviceLike, code: string): GPUComputePipelineLike {
  let p = pipelines.get(code);
  if (!p) {
    p = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } });
    pipelines.set(code, p);
  }
  return p;
}

/**
 * Encodes one dispatch of `code`: `buffers` bind at 0.., the uniform words (if any) at
 * the next binding. Returns nothing: results appear in the output buffers once submitted.
 */
export function dispatch(op: string, code: string, buffers: GPUBufferLike[], uniforms: Uint32Array | null, groups: [number, number?, number?]): void {
  const device = gpuDevice(op);
  const p = pipeline(device, code);
  const entries = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
  // Open the batch first: a buffer released while no batch is open goes straight back to the pool.
  encoder ??= device.createCommandEncoder();
  if (uniforms) {
    const u = allocBuffer(device, uniforms.byteLength, "uniform");
    device.queue.writeBuffer(u, 0, uniforms);
    entries.push({ binding: buffers.length, resource: { buffer: u } });
    releaseBuffer(u, "uniform"); // quarantined until the submit that runs this dispatch
  }
  const bg = device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
  pass ??= encoder.beginComputePass();
  pass.setPipeline(p);
  pass.setBindGroup(0, bg);
  pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
  if (++batched >= MAX_BATCH) flush();
}

/** Submits everything encoded so far. */
export function flush(): void {
  if (!encoder) {
    // Nothing encoded can still read a quarantined buffer: all earlier work is submitted.
    afterSubmit();
    return;
  }
  pass?.end();
  const device = gpuDevice("webgpu.flush");
  device.queue.submit([encoder.finish()]);
  encoder = null;
  pass = null;
  batched = 0;
  submits++;
  afterSubmit();
}

/** Dispatches waiting in the open batch, and submits so far (for tests and profiling). */
export function batchStats(): { pending: number; submits: number } {
  return { pending: batched, submits };
}

/** Uploads `data` into a new storage buffer (no flush needed: nothing encoded can reference it). */
export function upload(op: string, data: ArrayBufferView): GPUBufferLike {
  const device = gpuDevice(op);
  const buf = allocBuffer(device, Math.max(4, data.byteLength));
  if (data.byteLength) { alignedLength(data.byteLength); device.queue.writeBuffer(buf, 0, data); }
  return buf;
}

/** Overwrites a live buffer from byte `at` on, after the commands already encoded that may read it. */
export function overwrite(op: string, buf: GPUBufferLike, data: ArrayBufferView, at = 0): void {
  flush();
  const device = gpuDevice(op);
  alignedLength(data.byteLength);
  if (data.byteLength) device.queue.writeBuffer(buf, at, data);
}

/** writeBuffer sizes must be multiples of 4; every myelin dtype is 4 or 8 bytes wide except bool (1). */
function alignedLength(n: number): void {
  if (n % 4 !== 0) throw new Error(`webgpu: a write of ${n} bytes is not a multiple of 4; pack bool data as u32 first`);
}

/** Copies `bytes` bytes from byte `at` (a multiple of 4) of `buf` back to the CPU (submits pending work first). */
export async function readBuffer(op: string, buf: GPUBufferLike, bytes: number, at = 0): Promise<ArrayBuffer> {
  const device = gpuDevice(op);
  const staging = allocBuffer(device, Math.max(4, bytes), "staging");
  encoder ??= device.createCommandEncoder();
  pass?.end();
  pass = null;
  if (bytes > 0) encoder.copyBufferToBuffer(buf, at, staging, 0, Math.ceil(bytes / 4) * 4);
  flush();
  await staging.mapAsync(MAP_MODE_READ, 0, staging.size);
  const out = staging.getMappedRange(0, staging.size).slice(0, bytes);
  staging.unmap();
  releaseBuffer(staging, "staging");
  throwPendingGPUErrors(op);
  return out;
}
