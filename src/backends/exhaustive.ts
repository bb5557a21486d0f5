/** Exhaustiveness guard for switches over an op-table union (a leaf module: kernels import it without cycles). */

/** The `default:` of a switch over an op union: a missing case fails to compile, an unknown op at run time throws. */
export function assertNever(op: never, kind: string): never {
  throw new Error(`${kind} kernel: unknown op ${JSON.stringify(op)}`);
}
