/**
 * Backend selection: which kernel set runs now (`my.backend()`).
 */
import { B } from "./backend.js";

/** Name of the backend kernels run on ("js", "wasm" or "native"). */
export function backend(): string {
  return B().name;
}
