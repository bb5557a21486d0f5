/**
 * Source of a pool worker, kept as a string so it runs unchanged as a Node
 * `worker_threads` eval worker or a browser Web Worker (Blob URL) without a
 * separate file or bundler step. The worker instantiates the kernel module on the
 * shared memory, then sleeps in Atomics.wait on its control slot; the main thread
 * writes a job (function id + i32 args), bumps the sequence number and notifies.
 * A job is run only by whoever first swaps its CLAIM word from the job's sequence
 * number to 0: the worker when it wakes, or the poster cancelling a job whose work
 * it already did itself (so a late worker is never waited for).
 */

/** Int32 slots per worker in the control buffer. */
export const SLOT = 32;
/** Offsets inside a slot. */
export const SEQ = 0, DONE = 1, STATE = 2, CLAIM = 3, FN = 4, NARGS = 5, ARGS = 6;
/** Function ids a job may name (order of `fns` in the worker). */
export const FN_SGEMM = 0, FN_UNARY = 1, FN_BINARY = 2, FN_REDUCE = 3, FN_GEMM_RUN = 4, FN_CONV_RUN = 5, FN_EXIT = -1;

/** The worker program (plain ES5-style JS, no imports). */
export const workerSource = `
"use strict";
function start(d) {
  var c = new Int32Array(d.ctrl), base = d.slot * ${SLOT};
  var inst;
  try {
    inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  } catch (e) {
    Atomics.store(c, base + ${STATE}, -1);
    Atomics.notify(c, base + ${STATE});
    return;
  }
  var x = inst.exports;
  var fns = [x.sgemm, x.unaryF32, x.binaryF32, x.reduceF32, x.gemmRun, x.convRun];
  var args = [];
  Atomics.store(c, base + ${STATE}, 1);
  Atomics.notify(c, base + ${STATE});
  var seen = Atomics.load(c, base + ${SEQ});
  for (;;) {
    Atomics.wait(c, base + ${SEQ}, seen);
    var s = Atomics.load(c, base + ${SEQ});
    if (s === seen) continue;
    seen = s;
    if (Atomics.compareExchange(c, base + ${CLAIM}, s, 0) !== s) continue;
    var f = c[base + ${FN}];
    if (f === ${FN_EXIT}) return;
    var n = c[base + ${NARGS}];
    args.length = n;
    for (var i = 0; i < n; i++) args[i] = c[base + ${ARGS} + i];
    try { fns[f].apply(null, args); } catch (e) { Atomics.store(c, base + ${STATE}, -2); }
    Atomics.store(c, base + ${DONE}, s);
    Atomics.notify(c, base + ${DONE});
  }
}
var nodeProcess = typeof process !== "undefined" && process.versions && process.versions.node ? process : null;
if (nodeProcess) {
  var wt = typeof require === "function" ? require("worker_threads") : nodeProcess.getBuiltinModule("node:worker_threads");
  start(wt.workerData);
} else {
  self.onmessage = function (e) { start(e.data); };
}
`;
