/**
 * Optimizer trajectories against PyTorch 1.13 (test/fixtures/gen_optim.py): every
 * optimizer and option, 20 steps of a tiny linear regression, float32 and float64;
 * parameter groups; LBFGS (fixed step and strong Wolfe) on the Rosenbrock function.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertClose, loadFixture } from "../helpers.js";

interface TrajCase {
  kind: "traj";
  name: string;
  optimizer: string;
  dtype: "float32" | "float64";
  js_opts: Record<string, unknown>;
  js_negate: boolean;
  py_negate: boolean;
  groups: { params: number[]; opts: Record<string, unknown> }[] | null;
  X: number[];
  Y: number[];
  init: number[][];
  shapes: number[][];
  losses: number[];
  traj: number[][][];
  state_dict: { state: Record<string, Record<string, number[] | number | null>>; param_groups: Record<string, unknown>[] };
}
interface LbfgsCase {
  kind: "lbfgs";
  name: string;
  dtype: "float32" | "float64";
  js_opts: Record<string, unknown>;
  x0: number[];
  xs: number[][];
  losses: number[];
  func_evals: number[];
  n_iter: number[];
  final: number;
}
const fx = loadFixture<{ cases: (TrajCase | LbfgsCase)[] }>("optim");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const OPTS = my.optim as unknown as Record<string, new (params: any, opts?: any) => my.optim.Optimizer>;

for (const c of fx.cases.filter((c): c is TrajCase => c.kind === "traj")) {
  test(`${c.optimizer} trajectory matches PyTorch: ${c.name}`, () => {
    const dtype = c.dtype;
    const X = my.tensor(new (dtype === "float64" ? Float64Array : Float32Array)(c.X), { shape: [8, 4], dtype });
    const Y = my.tensor(new (dtype === "float64" ? Float64Array : Float32Array)(c.Y), { shape: [8, 3], dtype });
    const params = c.init.map((v, i) => my.tensor(new (dtype === "float64" ? Float64Array : Float32Array)(v), { shape: c.shapes[i], dtype, requiresGrad: true }));
    const groups = c.groups ? c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.opts })) : params;
    const opt = new OPTS[c.optimizer](groups, c.js_opts);
    // float32 differs from PyTorch only by rounding order; float64 must agree tightly.
    const tol = dtype === "float64" ? { rtol: 1e-9, atol: 1e-11 } : { rtol: 2e-4, atol: 2e-5 };
    for (let s = 0; s < c.traj.length; s++) {
      opt.zeroGrad();
      let loss = X.matmul(params[0].t()).add(params[1]).sub(Y).square().mean();
      if (c.js_negate) loss = loss.neg();
      loss.backward();
      const sign = c.js_negate === c.py_negate ? 1 : -1;
      assertClose(loss.item(), sign * c.losses[s], { ...tol, msg: `${c.name} loss at step ${s}` });
      opt.step();
      c.traj[s].forEach((exp, i) => assertClose(params[i], exp, { ...tol, msg: `${c.name} param ${i} after step ${s + 1}` }));
    }
    assert.equal(params[2].grad, null, "the unused parameter never gets a gradient");
    // The state dict has PyTorch's layout, keys and values.
    const sd = opt.stateDict();
    const exp = c.state_dict;
    assert.deepEqual(Object.keys(sd.state).map(String).sort(), Object.keys(exp.state).sort(), `${c.name}: parameters with state`);
    for (const [k, es] of Object.entries(exp.state)) {
      const ours = sd.state[Number(k)];
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(es).sort(), `${c.name}: state keys of param ${k}`);
      for (const [key, ev] of Object.entries(es)) {
        const v = ours[key];
        if (ev === null) assert.equal(v, null, `${c.name}: state[${k}].${key}`);
        else if (typeof ev === "number") assertClose(v instanceof my.Tensor ? v.item() : (v as number), ev, { ...tol, msg: `${c.name}: state[${k}].${key}` });
        else {
          assert.ok(v instanceof my.Tensor && v.dtype === dtype, `${c.name}: state[${k}].${key} is a ${dtype} Tensor`);
          assertClose(v, ev, { ...tol, msg: `${c.name}: state[${k}].${key}` });
        }
      }
    }
    assert.equal(sd.param_groups.length, exp.param_groups.length);
    sd.param_groups.forEach((g, i) => {
      const eg = exp.param_groups[i];
      for (const key of Object.keys(g)) assert.ok(key in eg || key === "maximize", `${c.name}: unexpected group key ${key}`);
      for (const [key, ev] of Object.entries(eg)) assert.deepEqual(g[key], ev, `${c.name}: param_groups[${i}].${key}`);
    });
  });
}

function rosenbrock(x: Tensor): Tensor {
  const a = x.slice(0, 0, -1), b = x.slice(0, 1, null);
  return b.sub(a.square()).square().mul(100).add(a.neg().add(1).square()).sum();
}

for (const c of fx.cases.filter((c): c is LbfgsCase => c.kind === "lbfgs")) {
  test(`LBFGS on Rosenbrock matches PyTorch: ${c.name}`, () => {
    const x = my.tensor(c.x0, { dtype: c.dtype, requiresGrad: true });
    const opt = new my.optim.LBFGS([x], c.js_opts);
    const closure = (): Tensor => {
      opt.zeroGrad();
      const l = rosenbrock(x);
      l.backward();
      return l;
    };
    if (c.dtype === "float64") {
      for (let s = 0; s < c.xs.length; s++) {
        const l = opt.step(closure) as Tensor;
        assertClose(l.item(), c.losses[s], { rtol: 1e-7, atol: 1e-12, msg: `${c.name} loss at outer step ${s}` });
        assertClose(x, c.xs[s], { rtol: 1e-6, atol: 1e-9, msg: `${c.name} x after outer step ${s + 1}` });
        const st = opt.state.get(x)!;
        assert.equal(st.func_evals, c.func_evals[s], `${c.name} func_evals after outer step ${s + 1}`);
        assert.equal(st.n_iter, c.n_iter[s], `${c.name} n_iter after outer step ${s + 1}`);
      }
    } else {
      // float32 rounding makes long L-BFGS runs drift; the first outer step must match
      // and the final loss must reach PyTorch's level.
      opt.step(closure);
      assertClose(x, c.xs[0], { rtol: 1e-2, atol: 1e-3, msg: `${c.name} x after the first outer step` });
      for (let s = 1; s < c.xs.length; s++) opt.step(closure);
      const fin = rosenbrock(x).item();
      assert.ok(fin <= Math.max(c.final * 1.05, 1e-6), `${c.name}: final loss ${fin} vs PyTorch ${c.final}`);
    }
  });
}
