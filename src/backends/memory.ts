/**
 * `my.releaseMemory()`: gives memory that myelin no longer uses back to the operating
 * system, for long-lived processes (servers) after a burst of large tensors. Tensor
 * storage is garbage-collected; once the collector has freed it, the native backend's
 * allocator still keeps it for reuse (its malloc tuning, which makes training loops
 * fast), and this trims it. Without the native addon it has nothing to do.
 */
import { nativeAddon } from "./native/index.js";

/**
 * Returns freed tensor memory to the OS (glibc `malloc_trim` where the native addon is
 * loaded). Call it when idle, after dropping references to large tensors; memory still
 * referenced, or not yet collected, stays.
 * @example my.releaseMemory()
 */
export function releaseMemory(): void {
  (nativeAddon() as { releaseMemory?: () => void } | null)?.releaseMemory?.();
}
