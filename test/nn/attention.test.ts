/**
 * Attention against PyTorch (test/fixtures/gen_nn_attention.py):
 * F.scaledDotProductAttention vs PyTorch 2.x's reference formula (forward, gradients,
 * double backward, float64 finite-difference gradchecks), and nn.MultiheadAttention
 * module cases (every mask kind, key padding, causal, kdim/vdim, addBiasKv,
 * addZeroAttn, batchFirst, unbatched, averaged / per-head weights).
 */
import { runFixture } from "../fixture-runner.js";
import { loadFixture } from "../helpers.js";
import { runModuleCases, type ModuleCase } from "./attention-cases.js";

runFixture("nn_attention");
runModuleCases("MultiheadAttention", loadFixture<{ modules: ModuleCase[] }>("nn_attention").modules);
