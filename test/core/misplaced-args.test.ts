// The mechanical check of the argument rule (docs/api-rules.md): every exported
// class and function of nn, F, optim, optim.lrScheduler, nn.init and my either has
// an argument spec (src/ops/args.ts) or is listed below with the reason it has none.
// Each spec'd export is called with an unknown option, a non-plain object where the
// options go, and a string where a number goes, and must throw an Error naming the
// function and the argument. Each spec's positional order is compared with PyTorch
// 1.13's, read from test/fixtures/signatures.json (made by gen_signatures.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as my from "../../src/index.js";
import { ARG_SPECS } from "../../src/ops/args.js";

const sigs = JSON.parse(readFileSync(new URL("../fixtures/signatures.json", import.meta.url), "utf8")) as Record<string, { positional: string[]; keywordOnly: string[] }>;

const groups: [string, Record<string, unknown>][] = [
  ["nn", my.nn as unknown as Record<string, unknown>],
  ["F", my.F as unknown as Record<string, unknown>],
  ["optim", my.optim as unknown as Record<string, unknown>],
  ["optim.lrScheduler", my.optim.lrScheduler as unknown as Record<string, unknown>],
  ["nn.init", my.nn.init as unknown as Record<string, unknown>],
  ["my", my as unknown as Record<string, unknown>],
];

const words = (s: string) => s.split(/\s+/).filter(Boolean);
/** Exports without a spec, each with the reason. */
const EXCLUDED: [reason: string, names: string[]][] = [
  ["base classes and containers: no optional arguments (Sequential/ModuleList/ModuleDict/ParameterList take modules or tensors only)",
    words("nn.isParameter nn.Module nn.Sequential nn.ModuleList nn.ModuleDict nn.ParameterList nn.Parameter nn.Loss nn.RNNBase optim.Optimizer optim.lrScheduler.LRScheduler")],
  ["only required arguments, each validated by the layer or function itself",
    words(`nn.Identity nn.Unflatten nn.GLU nn.NonDynamicallyQuantizableLinear optim.lrScheduler.ChainedScheduler
      my.isinf my.isposinf my.isneginf my.equal
      F.linear F.bilinear F.prelu F.threshold F.adaptiveAvgPool1d F.adaptiveAvgPool2d nn.init.calculateFanInAndFanOut`)],
  ["helpers exported for other parts of the library (graph pooling takes (x, batch), cell steps and checks are internal)",
    words("nn.checkPositive nn.cloneModule nn.gruCellStep nn.lstmCellStep nn.globalAddPool nn.globalMaxPool nn.globalMeanPool F.reduceLoss")],
  ["aliases of a spec'd function (the same function object)", words("my.variance")],
  ["not functions of tensors: classes and settings with their own argument checks",
    words(`my.RemovableHandle my.SparseTensor my.Storage my.CpuStorage my.Tensor my.Generator my.Node my.noGrad my.enableGrad my.isGradEnabled my.grad my.backward my.manualSeed
      my.backend my.setBackend my.setNumThreads my.getNumThreads my.releaseMemory my.promoteTypes my.isFloating my.broadcastShapes my.resultType my.ready`)],
  ["the training toolkit (Keras-style, no PyTorch signature to follow): options objects only, each class checking its own (follow-up: strict unknown-key checks as argSpec gives)",
    words(`my.EarlyStopping my.GradNormMonitor my.GradientClipping my.LRSchedulerCallback my.ModelCheckpoint my.PlotHistory my.ProgressBar
      my.accuracy my.checkpointFromBytes my.checkpointToBytes my.confusionMatrix my.evaluate my.evaluateAsync my.fit my.formatDuration my.formatLogs
      my.gradNorm my.historyToSvg my.loadCheckpoint my.mae my.makeMetric my.precisionRecallF1 my.r2Score my.restoreCheckpoint
      my.rmse my.saveCheckpoint my.topKAccuracy`)],
];
// Tensor ops whose optional arguments are positional only: they do not yet parse a
// trailing options object (a follow-up; the reductions above already do).
const POSITIONAL_ONLY_OPS = words(`abs abs_ add add_ addcdiv_ addcmul_ atan2 bmm cat ceil chunk clamp clamp_ clone constantLike
  contiguous copy_ cos cumprod cumsum diagonal div div_ dot einsum eq erf exp exp_ expand expandAs expm1 flatten flip floor
  gather ge gemm gt indexAdd indexSelect isfinite isnan le lerp_ log log1p logicalAnd logicalNot logicalOr logicalXor lt
  maskedFill maskedFill_ maskedSelect matmul max maximum min minimum mm movedim mul mul_ mv narrow ne neg neg_ nonzero
  norm normal_ oneHot outer pad permute pow pow_ reciprocal relu relu_ repeat reshape roll round rsqrt scalarTensor scatter
  scatterAdd scatterReduce select sigmoid sigmoid_ sign sin slice split sqrt sqrt_ square squeeze stack stridedEmbed
  stridedView sub sub_ t tan tanh tanh_ transpose tril triu unbind unflatten uniform_ unsqueeze view where zero_
  fill_ indexPut indexPut_ maskedScatter maskedScatter_ setItem`).map((n) => `my.${n}`);
EXCLUDED.push(["tensor ops with positional-only optional arguments (follow-up: parse a trailing options object)", POSITIONAL_ONLY_OPS]);

const excluded = new Map<string, string>();
for (const [reason, names] of EXCLUDED) for (const n of names) excluded.set(n, reason);

/** Leading (fixed) arguments where `undefined` would fail before the options are read. */
const FIXED: Record<string, unknown[]> = {
  "my.zeros": [2], "my.ones": [2], "my.empty": [2], "my.rand": [2], "my.randn": [2],
  "my.randint": [0, 5, [2]], "my.full": [[2], 1], "my.tensor": [[1]], "my.arange": [0, 3, 1],
  "my.linspace": [0, 1, 3], "my.eye": [2], "my.randperm": [3],
};
const SIZE_VARARGS = new Set(words("my.zeros my.ones my.empty my.rand my.randn"));
const fixedArgs = (fn: string, n: number): unknown[] => {
  const tensorFirst = /^my\.(zerosLike|onesLike|fullLike|randLike|randnLike|sum|mean|prod|amax|amin|argmax|argmin|logsumexp|all|any|var|std|variance)$/;
  if (tensorFirst.test(fn)) return [my.ones([2, 2]), ...Array(n - 1).fill(1)];
  return FIXED[fn] ?? Array(n).fill(undefined);
};

function call(group: string, name: string, value: unknown, args: unknown[]): unknown {
  if (/^[A-Z]/.test(name) && typeof value === "function" && value.prototype) {
    return new (value as new (...a: unknown[]) => unknown)(...args);
  }
  return (value as (...a: unknown[]) => unknown)(...args);
}

const exportsOf = () => groups.flatMap(([g, ns]) =>
  Object.keys(ns).filter((k) => typeof ns[k] === "function").map((k) => [g, k, `${g}.${k}`, ns[k]] as const));

test("every exported class and function has an argument spec or a stated reason not to", () => {
  const missing = exportsOf().filter(([, , full]) => !ARG_SPECS.has(full) && !excluded.has(full)).map(([, , f]) => f);
  assert.deepEqual(missing, [], `exports with neither a spec nor an exclusion: ${missing.join(", ")}`);
  for (const name of excluded.keys()) {
    assert.ok(exportsOf().some(([, , f]) => f === name), `excluded name ${name} is not exported (stale list)`);
  }
});

test("each spec'd export rejects an unknown option, a non-plain options object and a misplaced string", () => {
  let probed = 0;
  const failures: string[] = [];
  for (const [group, name, full, value] of exportsOf()) {
    const spec = ARG_SPECS.get(full);
    if (!spec) continue;
    const fixed = fixedArgs(full, spec.fixed);
    const expectThrow = (args: unknown[], what: RegExp, label: string) => {
      try {
        call(group, name, value, args);
        failures.push(`${full} (${label}): did not throw`);
      } catch (e) {
        if (!(e instanceof Error)) failures.push(`${full} (${label}): threw a non-Error`);
        else if (!e.message.includes(spec.fn) || !what.test(e.message)) failures.push(`${full} (${label}): ${e.message}`);
      }
    };
    expectThrow([...fixed, { notAnOption: 1 }], /unknown option 'notAnOption'/, "unknown option");
    const n = spec.positional.length;
    expectThrow([...fixed, ...Array(n).fill(undefined), new Map()], /options|at most/, "non-plain options");
    // Size varargs take any number of integers, so an extra number is part of the size there.
    if (n === 0 && !SIZE_VARARGS.has(full)) expectThrow([...fixed, 7], /options|at most/, "extra positional value");
    const typed = spec.positional.findIndex((p) => { try { spec.check(p, "oops"); return false; } catch { return true; } });
    if (typed >= 0) {
      expectThrow([...fixed, ...Array(typed).fill(undefined), "oops"], new RegExp(`argument '${spec.positional[typed]}'`), "string where a value goes");
    }
    probed++;
  }
  assert.deepEqual(failures, []);
  assert.ok(probed >= 200, `probed ${probed} exports`);
});

/** Where a spec's positional order differs from PyTorch 1.13's, and why. */
const DEVIATIONS: Record<string, string> = {
  "nn.GINConv": "PyTorch Geometric, not in torch",
};

test("each spec's positional order is PyTorch 1.13's", () => {
  let compared = 0;
  const wrong: string[] = [];
  for (const [fn, spec] of ARG_SPECS) {
    const sig = sigs[fn];
    if (!sig || DEVIATIONS[fn]) continue;
    const want = sig.positional.slice(spec.fixed);
    if (JSON.stringify([...spec.positional]) !== JSON.stringify(want)) wrong.push(`${fn}: [${spec.positional}] vs PyTorch [${want}]`);
    compared++;
  }
  assert.deepEqual(wrong, []);
  assert.ok(compared >= 150, `compared ${compared} specs with PyTorch`);
});

test("a name given by position and in the options object must agree", () => {
  assert.throws(() => new my.nn.Conv2d(1, 8, 4, 2, 1, { stride: 3 }), /nn\.Conv2d: argument 'stride' given by position \(number 2\) and in the options object \(number 3\)/);
  const c = new my.nn.Conv2d(1, 8, 4, 2, 1, { stride: 2 });
  assert.deepEqual(c.stride, [2, 2]);
  assert.throws(() => my.nn.init.normal_(my.zeros(2), 0, 1, { std: 2 }), /nn\.init\.normal_: argument 'std'/);
});
