/**
 * L-BFGS (torch.optim.LBFGS): limited-memory BFGS over all parameters flattened into
 * one vector, with an optional strong-Wolfe line search; a port of PyTorch's
 * implementation (itself after minFunc), working on flat TypedArrays.
 */
import { Tensor } from "../core/tensor.js";
import { enableGrad } from "../core/autograd.js";
import { Optimizer, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { check, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData, readData } from "../ops/data.js";

/** LBFGS options (PyTorch's names, camelCase). */
export interface LBFGSOptions {
  /** Learning rate / initial step length (default 1). */
  lr?: number;
  /** Maximal iterations per `step()` (default 20). */
  maxIter?: number;
  /** Maximal function evaluations per `step()` (default floor(maxIter * 5 / 4)). */
  maxEval?: number;
  /** Stop when max |grad| <= this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the loss or parameter change is below this (default 1e-9). */
  toleranceChange?: number;
  /** Number of curvature pairs kept (default 100). */
  historySize?: number;
  /** `"strong_wolfe"` or null (default null: fixed step `lr`). */
  lineSearchFn?: "strong_wolfe" | null;
}

type Vec = FloatArray;

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function absMax(a: Vec): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}
function absSum(a: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}
/** out = a * alpha + b * beta, elementwise, in a new vector of a's type (b may be null). */
function lin(a: Vec, alpha: number, b: Vec | null = null, beta = 0): Vec {
  const out = a.slice();
  if (b === null) for (let i = 0; i < out.length; i++) out[i] = alpha * a[i];
  else for (let i = 0; i < out.length; i++) out[i] = alpha * a[i] + beta * b[i];
  return out;
}
/** The storage of a state tensor (the step updates some of them in place, e.g. prev_flat_grad). */
function vecOf(t: Tensor): Vec {
  return mutableData(t, "LBFGS") as Vec;
}

/** Cubic interpolation of the minimum of f on [x1, x2] (or `bounds`) from values and slopes at both ends. */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

type ObjFunc = (t: number) => [number, Vec];

/** Strong-Wolfe line search (PyTorch's `_strong_wolfe`); returns [f, g, t, evals]. */
function strongWolfe(obj: ObjFunc, t: number, d: Vec, f: number, g: Vec, gtd: number, toleranceChange: number, c1 = 1e-4, c2 = 0.9, maxLs = 25): [number, Vec, number, number] {
  const dNorm = absMax(d);
  g = g.slice();
  let [fNew, gNew] = obj(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [], bracketF: number[] = [], bracketG: Vec[] = [], bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew.slice()]; bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      bracket = [t]; bracketF = [fNew]; bracketG = [gNew];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew.slice()]; bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp; fPrev = fNew; gPrev = gNew.slice(); gtdPrev = gtdNew;
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    bracket = [0, t]; bracketF = [f, fNew]; bracketG = [g, gNew];
  }
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    const bMax = Math.max(bracket[0], bracket[1]), bMin = Math.min(bracket[0], bracket[1]);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]) {
      bracket[highPos] = t; bracketF[highPos] = fNew; bracketG[highPos] = gNew.slice(); bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        bracket[highPos] = bracket[lowPos]; bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos]; bracketGtd[highPos] = bracketGtd[lowPos];
      }
      bracket[lowPos] = t; bracketF[lowPos] = fNew; bracketG[lowPos] = gNew.slice(); bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos], bracketG[lowPos], bracket[lowPos], evals];
}

const SPEC = argSpec("optim.LBFGS", 1, ["lr", "maxIter", "maxEval", "toleranceGrad", "toleranceChange", "historySize", "lineSearchFn"]);

/**
 * L-BFGS. Needs a closure that zeroes grads, computes the loss, calls backward and
 * returns the loss. Only one parameter group is supported (as in PyTorch). State
 * (PyTorch's keys, on the first parameter): `func_evals`, `n_iter`, `d`, `t`,
 * `old_dirs`, `old_stps`, `ro`, `H_diag`, `prev_flat_grad`, `prev_loss`, `al`.
 * @example opt.step(() => { opt.zeroGrad(); const l = f(x); l.backward(); return l; });
 */
export class LBFGS extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<LBFGSOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<LBFGSOptions>(args);
    const o = stripUndefined(opts);
    const maxIter = o.maxIter ?? 20;
    const d = {
      lr: 1, maxIter, maxEval: Math.floor((maxIter * 5) / 4), toleranceGrad: 1e-7, toleranceChange: 1e-9,
      historySize: 100, lineSearchFn: null as "strong_wolfe" | null, ...o,
    };
    check(d.lr >= 0, "LBFGS", `invalid learning rate: ${d.lr} (must be >= 0)`);
    if (d.lineSearchFn !== null && d.lineSearchFn !== "strong_wolfe") {
      throw new RangeError(`LBFGS: lineSearchFn must be "strong_wolfe" or null, got ${JSON.stringify(d.lineSearchFn)}`);
    }
    super(params, d, "LBFGS");
    if (this.paramGroups.length !== 1) throw new Error("LBFGS: doesn't support per-parameter options (parameter groups)");
  }

  /** LBFGS supports a single group only. */
  override addParamGroup(group: Parameters<Optimizer["addParamGroup"]>[0]): void {
    if (this.paramGroups.length >= 1) throw new Error("LBFGS: doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  private numel(): number {
    let n = 0;
    for (const p of this.params) n += p.numel();
    return n;
  }

  private newVec(): Vec {
    return this.params[0].dtype === "float64" ? new Float64Array(this.numel()) : new Float32Array(this.numel());
  }

  private gatherFlatGrad(): Vec {
    const out = this.newVec();
    let off = 0;
    for (const p of this.params) {
      if (p.grad !== null) out.set(readData(p.grad) as Vec, off);
      off += p.numel();
    }
    return out;
  }

  private addGrad(stepSize: number, update: Vec): void {
    let off = 0;
    for (const p of this.params) {
      const pd = mutableData(p, "LBFGS") as Vec, n = pd.length;
      for (let i = 0; i < n; i++) pd[i] += stepSize * update[off + i];
      off += n;
      p._bump();
    }
  }

  private cloneParams(): Vec[] {
    return this.params.map((p) => (readData(p) as Vec).slice());
  }

  private setParams(data: Vec[]): void {
    this.params.forEach((p, i) => {
      mutableData(p, "LBFGS").set(data[i]);
      p._bump();
    });
  }

  /** Runs up to `maxIter` L-BFGS iterations; returns the closure's first loss. */
  step(closure?: Closure): Tensor | number | undefined {
    if (!closure) throw new Error("LBFGS.step: a closure that re-evaluates the loss is required");
    const group = this.paramGroups[0];
    const lr = group.lr as number, maxIter = group.maxIter as number, maxEval = group.maxEval as number;
    const tolGrad = group.toleranceGrad as number, tolChange = group.toleranceChange as number;
    const lineSearch = group.lineSearchFn as string | null, historySize = group.historySize as number;
    const evalLoss = (): number => {
      const l = enableGrad(closure);
      return typeof l === "number" ? l : l.item();
    };
    const state = this.stateOf(this.params[0]);
    state.func_evals ??= 0;
    state.n_iter ??= 0;

    const origLoss = enableGrad(closure);
    let loss = typeof origLoss === "number" ? origLoss : origLoss.item();
    let currentEvals = 1;
    state.func_evals += 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = absMax(flatGrad) <= tolGrad;
    if (optCond) return origLoss;

    const wrap = (v: Vec): Tensor => new Tensor(v, [v.length], this.params[0].dtype);
    let d: Vec | null = state.d ? vecOf(state.d) : null;
    let t: number = state.t ?? 0;
    let oldDirs: Vec[] = (state.old_dirs ?? []).map(vecOf);
    let oldStps: Vec[] = (state.old_stps ?? []).map(vecOf);
    let ro: number[] = state.ro ?? [];
    let hDiag: number = state.H_diag ?? 1;
    let prevFlatGrad: Vec | null = state.prev_flat_grad ? vecOf(state.prev_flat_grad) : null;
    let prevLoss: number = state.prev_loss ?? 0;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.n_iter++;
      if (state.n_iter === 1) {
        d = lin(flatGrad, -1);
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const y = lin(flatGrad, 1, prevFlatGrad!, -1);
        const s = lin(d!, t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        const numOld = oldDirs.length;
        if (!state.al) state.al = new Array(historySize).fill(null);
        const al = state.al as number[];
        const q = lin(flatGrad, -1);
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i], q) * ro[i];
          const od = oldDirs[i], a = al[i];
          for (let k = 0; k < q.length; k++) q[k] -= a * od[k];
        }
        const r = lin(q, hDiag);
        for (let i = 0; i < numOld; i++) {
          const be = dot(oldDirs[i], r) * ro[i];
          const os = oldStps[i], c = al[i] - be;
          for (let k = 0; k < r.length; k++) r[k] += c * os[k];
        }
        d = r;
      }
      if (prevFlatGrad === null) prevFlatGrad = flatGrad.slice();
      else prevFlatGrad.set(flatGrad);
      prevLoss = loss;
      t = state.n_iter === 1 ? Math.min(1, 1 / absSum(flatGrad)) * lr : lr;
      const gtd = dot(flatGrad, d!);
      if (gtd > -tolChange) break;

      let lsEvals = 0;
      if (lineSearch !== null) {
        const x0 = this.cloneParams();
        const dir = d!;
        const obj: ObjFunc = (tt) => {
          this.addGrad(tt, dir);
          const l = evalLoss();
          const fg = this.gatherFlatGrad();
          this.setParams(x0);
          return [l, fg];
        };
        [loss, flatGrad, t, lsEvals] = strongWolfe(obj, t, dir, loss, flatGrad, gtd, tolChange);
        this.addGrad(t, dir);
        optCond = absMax(flatGrad) <= tolGrad;
      } else {
        this.addGrad(t, d!);
        if (nIter !== maxIter) {
          loss = evalLoss();
          flatGrad = this.gatherFlatGrad();
          optCond = absMax(flatGrad) <= tolGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      state.func_evals += lsEvals;
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (absMax(d!) * Math.abs(t) <= tolChange) break;
      if (Math.abs(loss - prevLoss) < tolChange) break;
    }
    state.d = d ? wrap(d) : null;
    state.t = t;
    state.old_dirs = oldDirs.map(wrap);
    state.old_stps = oldStps.map(wrap);
    state.ro = ro;
    state.H_diag = hDiag;
    state.prev_flat_grad = prevFlatGrad ? wrap(prevFlatGrad) : null;
    state.prev_loss = prevLoss;
    return origLoss;
  }
}
