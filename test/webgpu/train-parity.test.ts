// Issue #20's parity check: the four bench workloads (MLP, CNN, LSTM, Transformer
// encoder), at small sizes, trained 20 Adam steps from the same seed and weights on
// the CPU backend and on the webgpu device: every step's loss agrees within 1e-3
// relative. The CPU backend is the independent reference (itself checked against
// PyTorch fixtures).
import { test } from "node:test";
import assert from "node:assert/strict";
import { skip } from "./gpu-test-util.js";
import { WORKLOADS, losses } from "./workloads.js";

for (const name of Object.keys(WORKLOADS)) {
  test(`${name}: 20 Adam steps on webgpu give the CPU's losses within 1e-3 relative`, { skip }, async () => {
    const cpu = await losses(name, "cpu"), gpu = await losses(name, "webgpu");
    for (let i = 0; i < cpu.length; i++) {
      assert.ok(Math.abs(gpu[i] - cpu[i]) <= 1e-3 * Math.abs(cpu[i]), `${name} step ${i}: webgpu ${gpu[i]} vs cpu ${cpu[i]}`);
    }
    assert.ok(cpu[19] < cpu[0], `${name}: the loss fell (${cpu[0]} -> ${cpu[19]})`);
  });
}
