/**
 * The slice of the WebGPU API myelin uses, typed structurally so that neither the
 * library's declarations nor its users need `@webgpu/types`. Both `navigator.gpu`
 * in browsers and the `webgpu` npm package (Dawn) in Node satisfy these shapes.
 */

/** GPUBufferUsage flags (numeric values fixed by the WebGPU spec). */
export const BufferUsage = {
  MAP_READ: 0x0001, MAP_WRITE: 0x0002, COPY_SRC: 0x0004, COPY_DST: 0x0008,
  UNIFORM: 0x0040, STORAGE: 0x0080,
} as const;

/** GPUMapMode.READ. */
export const MAP_MODE_READ = 0x0001;

export interface GPUBufferLike {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

export interface GPUBindGroupLayoutLike { readonly __brand?: "GPUBindGroupLayout" }
export interface GPUBindGroupLike { readonly __brand?: "GPUBindGroup" }
export interface GPUShaderModuleLike {
  getCompilationInfo?(): Promise<{ messages: readonly { type: string; message: string; lineNum: number }[] }>;
}

export interface GPUComputePipelineLike {
  getBindGroupLayout(index: number): GPUBindGroupLayoutLike;
}

export interface GPUComputePassLike {
  setPipeline(p: GPUComputePipelineLike): void;
  setBindGroup(index: number, group: GPUBindGroupLike): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

export interface GPUCommandEncoderLike {
  beginComputePass(desc?: object): GPUComputePassLike;
  copyBufferToBuffer(src: GPUBufferLike, srcOffset: number, dst: GPUBufferLike, dstOffset: number, size: number): void;
  finish(): object;
}

export interface GPUQueueLike {
  submit(buffers: object[]): void;
  writeBuffer(buffer: GPUBufferLike, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
  onSubmittedWorkDone(): Promise<void>;
}

export interface GPUDeviceLike {
  readonly queue: GPUQueueLike;
  readonly limits: Record<string, number>;
  readonly lost?: Promise<{ reason?: string; message: string }>;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): GPUBufferLike;
  createShaderModule(desc: { code: string }): GPUShaderModuleLike;
  createComputePipeline(desc: { layout: "auto"; compute: { module: GPUShaderModuleLike; entryPoint: string } }): GPUComputePipelineLike;
  createBindGroup(desc: { layout: GPUBindGroupLayoutLike; entries: { binding: number; resource: { buffer: GPUBufferLike; offset?: number; size?: number } }[] }): GPUBindGroupLike;
  createCommandEncoder(): GPUCommandEncoderLike;
  pushErrorScope?(filter: string): void;
  popErrorScope?(): Promise<{ message: string } | null>;
  destroy(): void;
}

export interface GPUAdapterLike {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  readonly features?: { has(name: string): boolean };
  readonly limits?: Record<string, number>;
  requestDevice(desc?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<GPUDeviceLike>;
}

export interface GPULike {
  requestAdapter(options?: { powerPreference?: "low-power" | "high-performance" }): Promise<GPUAdapterLike | null>;
}
