/**
 * Learning-rate schedulers against PyTorch 1.13 (test/fixtures/gen_lr_scheduler.py):
 * the lr (and momentum / beta1) sequence of every scheduler over 30 steps with two
 * parameter groups, ReduceLROnPlateau fed a fixed metric sequence, and resuming a
 * schedule from its state dict mid-way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { assertClose, loadFixture } from "../helpers.js";

interface Case {
  name: string;
  js: string;
  opt: "sgd" | "adam";
  steps: number;
  metrics: number[] | null;
  last_lr: number[][];
  lr: number[][];
  momentum: number[][];
}
const fx = loadFixture<{ cases: Case[] }>("lr_scheduler");
const S = my.optim.lrScheduler;

interface AnyScheduler {
  step(x?: number): void;
  getLastLr(): number[];
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
}

function makeOpt(kind: "sgd" | "adam"): my.optim.Optimizer {
  const ps = [my.zeros([2], { requiresGrad: true }), my.zeros([3], { requiresGrad: true })];
  const groups = [{ params: [ps[0]] }, { params: [ps[1]], lr: 0.05 }];
  return kind === "sgd" ? new my.optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new my.optim.Adam(groups, { lr: 0.1, betas: [0.9, 0.999] });
}

function build(c: Case, opt: my.optim.Optimizer): AnyScheduler {
  return new Function("S", "opt", `return ${c.js};`)(S, opt) as AnyScheduler;
}

const mom = (opt: my.optim.Optimizer): number[] => opt.paramGroups.map((g) => (g.betas ? g.betas[0] : g.momentum));
const TOL = { rtol: 1e-12, atol: 1e-15 };

for (const c of fx.cases) {
  test(`lr schedule matches PyTorch: ${c.name}`, () => {
    const opt = makeOpt(c.opt);
    const s = build(c, opt);
    const check = (i: number): void => {
      assertClose(s.getLastLr(), c.last_lr[i], { ...TOL, msg: `${c.name} getLastLr after ${i} steps` });
      assertClose(opt.paramGroups.map((g) => g.lr), c.lr[i], { ...TOL, msg: `${c.name} group lr after ${i} steps` });
      assertClose(mom(opt), c.momentum[i], { ...TOL, msg: `${c.name} momentum after ${i} steps` });
    };
    check(0);
    for (let i = 0; i < c.steps; i++) {
      opt.step();
      if (c.metrics) s.step(c.metrics[i]);
      else s.step();
      check(i + 1);
    }
  });

  test(`lr schedule resumes from its state dict: ${c.name}`, () => {
    const opt = makeOpt(c.opt);
    const s = build(c, opt);
    const half = 11;
    for (let i = 0; i < half; i++) c.metrics ? s.step(c.metrics[i]) : s.step();
    const ssd = JSON.parse(JSON.stringify(s.stateDict(), (_k, v) => (v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v)), (_k, v) =>
      v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v,
    );
    const osd = opt.stateDict();
    assert.equal(typeof ssd.last_epoch === "number" || Array.isArray(ssd._schedulers), true, "PyTorch's keys (last_epoch)");
    // a fresh optimizer and scheduler, then both state dicts loaded
    const opt2 = makeOpt(c.opt);
    const s2 = build(c, opt2);
    opt2.loadStateDict(osd);
    s2.loadStateDict(ssd);
    for (let i = half; i < c.steps; i++) {
      c.metrics ? s2.step(c.metrics[i]) : s2.step();
      assertClose(s2.getLastLr(), c.last_lr[i + 1], { ...TOL, msg: `${c.name} resumed getLastLr after ${i + 1} steps` });
      assertClose(mom(opt2), c.momentum[i + 1], { ...TOL, msg: `${c.name} resumed momentum after ${i + 1} steps` });
    }
  });
}

test("schedulers reject bad options with clear errors", () => {
  const opt = makeOpt("sgd");
  assert.throws(() => new S.CosineAnnealingWarmRestarts(opt, { T0: 0 }), /T0/);
  assert.throws(() => new S.LinearLR(opt, { startFactor: 2 }), /startFactor/);
  assert.throws(() => new S.ReduceLROnPlateau(opt, { factor: 1.5 }), /factor/);
  assert.throws(() => new S.OneCycleLR(opt, { maxLr: 1 }), /totalSteps/);
  assert.throws(() => new S.SequentialLR(opt, { schedulers: [new S.StepLR(opt, { stepSize: 2 })], milestones: [3] }), /milestones/);
  const one = new S.OneCycleLR(makeOpt("sgd"), { maxLr: 1, totalSteps: 3 });
  one.step(); one.step(); one.step();
  assert.throws(() => one.step(), /total steps is 3/);
});
