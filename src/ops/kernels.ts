/**
 * The documented accessor to the backend kernels for the kernel-backed primitives that
 * still live in src/nn/ (softmax, norms, conv, pooling, dropout, attention, RNN cells
 * and scans, which record their own backward and belong in src/ops/; they move in a
 * later change). The layering test (test/layering.test.ts) lets nothing outside
 * src/core/ and src/ops/ import src/backends/ directly; new code calls an op instead.
 */
export { currentBackend, type ConvFusedKernels, type ConvGeom, type PoolWindows } from "../backends/backend.js";
