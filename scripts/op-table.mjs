// THE op table: every elementwise (unary, binary), reduction and fused kernel myelin
// routes, declared once. scripts/gen-ops.mjs derives from it the TypeScript unions,
// op codes and routing thresholds (src/backends/ops.generated.ts), the AssemblyScript
// op codes (assembly/ops.generated.ts) and the C++ op codes (native/ops_generated.h).
//
// Per backend, a number is the smallest call size (elements; multiply-adds for matmul)
// from which that backend's kernel runs; no entry means the backend has no kernel for
// it and the call goes to the backend below it (native -> wasm -> js). `js` runs
// everything. A code is the op's index in its list, shared by every backend.
// Thresholds were measured with bench/thresholds.ts on a 2-core Zen 4 (Node 20):
// transcendental maps pay on wasm from ~64 elements (JS Math.exp/tanh are slow), the
// rest from ~256; a native N-API call (~130 ns) pays from ~64 elements.
//
// After an edit run `npm run build:wasm` (regenerates everything; the native build
// regenerates the C++ header itself); test/backends/op-table.test.ts fails while a
// generated file is stale.

/** Unary maps: [name, dtypes, thresholds]. "float" = float-only math, "any" = every numeric dtype. */
export const UNARY = [
  ["neg", "any", { wasm: 256, native: 64 }],
  ["abs", "any", { wasm: 256, native: 64 }],
  ["sign", "any", {}],
  ["exp", "float", { wasm: 64, native: 64 }],
  ["log", "float", { wasm: 64 }],
  ["log1p", "float", {}],
  ["expm1", "float", {}],
  ["sqrt", "float", { wasm: 256, native: 64 }],
  ["rsqrt", "float", { wasm: 256 }],
  ["square", "any", { wasm: 256, native: 64 }],
  ["reciprocal", "float", { wasm: 256 }],
  ["sin", "float", {}],
  ["cos", "float", {}],
  ["tan", "float", {}],
  ["tanh", "float", { wasm: 64, native: 64 }],
  ["sigmoid", "float", { wasm: 64, native: 64 }],
  ["relu", "any", { wasm: 256, native: 64 }],
  ["floor", "float", {}],
  ["ceil", "float", {}],
  ["round", "float", {}],
  ["erf", "float", {}],
  ["logicalNot", "any", {}],
  ["isnan", "any", {}],
  ["isfinite", "any", {}],
  ["step", "any", { wasm: 256, native: 64 }],
  ["hardswish", "float", { wasm: 256, native: 64 }],
  ["hardsigmoid", "float", { wasm: 256, native: 64 }],
  ["silu", "float", { wasm: 64, native: 64 }],
];

/** Broadcasting binary ops: [name, dtypes, thresholds] (maximum/minimum propagate NaN). */
export const BINARY = [
  ["add", "any", { wasm: 256, native: 64 }],
  ["sub", "any", { wasm: 256, native: 64 }],
  ["mul", "any", { wasm: 256, native: 64 }],
  ["div", "any", { wasm: 256, native: 64 }],
  ["pow", "any", {}],
  ["maximum", "any", { wasm: 256 }],
  ["minimum", "any", { wasm: 256 }],
  ["atan2", "float", {}],
  ["eq", "any", {}],
  ["ne", "any", {}],
  ["lt", "any", {}],
  ["le", "any", {}],
  ["gt", "any", {}],
  ["ge", "any", {}],
  ["logicalAnd", "any", {}],
  ["logicalOr", "any", {}],
  ["logicalXor", "any", {}],
];

/** Reductions over the middle axis of [outer, r, inner]: [name, dtypes, thresholds]. */
export const REDUCE = [
  ["sum", "any", { wasm: 256, native: 256 }],
  ["prod", "any", {}],
  ["max", "any", { wasm: 256 }],
  ["min", "any", { wasm: 256 }],
];

/**
 * Fused and structured kernels (Backend methods), float32 on the fast backends:
 * [name, thresholds]. The size each threshold compares with is defined next to the
 * routing in src/backends/layer.ts.
 */
export const KERNELS = [
  ["matmul", { wasm: 512, native: 4096 }],
  ["reluBackward", { wasm: 256, native: 0 }],
  ["im2col", { wasm: 4096, native: 0 }],
  ["col2im", { wasm: 4096, native: 0 }],
  ["conv2dFused", { wasm: 0, native: 0 }],
  ["maxPool2d", { wasm: 4096, native: 0 }],
  ["maxPool2dBackward", { native: 0 }],
  ["lstmCell", { wasm: 64, native: 0 }],
  ["lstmCellBackward", { wasm: 64, native: 0 }],
  ["gruCell", { wasm: 64, native: 0 }],
  ["softmax", { wasm: 64, native: 0 }],
  ["softmaxBackward", { wasm: 64, native: 0 }],
  ["bernoulliMask", { wasm: 64, native: 64 }],
  ["layerNorm", { wasm: 64, native: 0 }],
  ["layerNormBackward", { wasm: 64, native: 0 }],
  ["adamStep", { wasm: 256, native: 0 }],
  ["strided", { native: 1024 }],
  ["stridedAssign", { native: 1024 }],
  ["clamp", { wasm: 256, native: 64 }],
  ["hardtanhBackward", { wasm: 256, native: 64 }],
  ["depthwiseConv2d", { wasm: 0, native: 0 }],
];

/** Modes of the fused conv2d kernel (assembly/conv-gemm.ts, native/conv.h). */
export const CONV_MODES = ["forward", "inputGrad", "weightGrad"];

/** The accelerated backends the thresholds name. */
export const BACKENDS = ["wasm", "native"];
