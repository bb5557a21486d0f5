// Conv + eval-mode BatchNorm2d folding in the zoo's forward passes (src/models/vision/fold.ts)
// against the same modules run one after another (the unfolded definition): outputs and
// the gradients of the conv weight and bias, γ and β agree within float32 rounding; a
// training-mode BatchNorm or a subclass is never folded (running statistics update as before).
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";
import { forwardFolded } from "../../src/models/vision/fold.js";

const { nn } = my;

function pair(groups: number, bias: boolean): [InstanceType<typeof nn.Conv2d>, InstanceType<typeof nn.BatchNorm2d>] {
  const conv = new nn.Conv2d(6, 6, 3, { stride: 2, padding: 1, groups, bias });
  const bn = new nn.BatchNorm2d(6, { eps: 1e-3 });
  my.noGrad(() => {
    bn.runningMean!.copy_(my.randn([6]));
    bn.runningVar!.copy_(my.rand([6]).add(0.5));
    bn.weight!.copy_(my.randn([6]));
    bn.bias!.copy_(my.randn([6]));
  });
  return [conv, bn];
}

function maxDiff(a: my.Tensor, b: my.Tensor): number {
  return a.sub(b).abs().max().item() / Math.max(1e-6, b.abs().max().item());
}

for (const [groups, bias] of [[1, false], [1, true], [6, false], [2, true]] as const) {
  test(`forwardFolded: conv (groups ${groups}, bias ${bias}) + eval BatchNorm2d equals the modules run in turn, gradients too`, () => {
    my.manualSeed(groups * 10 + Number(bias));
    const [conv, bn] = pair(groups, bias);
    bn.eval();
    const x = my.randn([2, 6, 9, 9], { requiresGrad: true });
    const relu = new nn.ReLU6();
    const want = relu.forward(bn.forward(conv.forward(x)));
    const got = forwardFolded([conv, bn, relu], x);
    assert.deepEqual(got.shape, want.shape);
    assert.ok(maxDiff(got, want) < 1e-5, `forward differs by ${maxDiff(got, want)}`);
    const params = [x, conv.weight, bn.weight!, bn.bias!, ...(conv.bias ? [conv.bias] : [])];
    const gy = my.randn(want.shape);
    const gw = my.grad([want.mul(gy).sum()], params);
    const gg = my.grad([got.mul(gy).sum()], params);
    gw.forEach((g, i) => assert.ok(maxDiff(gg[i]!, g!) < 1e-4, `gradient ${i} differs by ${maxDiff(gg[i]!, g!)}`));
  });
}

test("forwardFolded leaves a training-mode BatchNorm2d and a subclass unfolded", () => {
  my.manualSeed(5);
  const [conv, bn] = pair(1, false);
  bn.train();
  const x = my.randn([2, 6, 5, 5]);
  const before = bn.runningMean!.clone();
  forwardFolded([conv, bn], x);
  assert.ok(bn.runningMean!.sub(before).abs().max().item() > 0, "training BatchNorm must update its running mean");
  class Shifted extends nn.BatchNorm2d {
    override forward(t: my.Tensor): my.Tensor { return super.forward(t).add(1); }
  }
  const sub = new Shifted(6);
  sub.eval();
  const want = sub.forward(conv.forward(x));
  assert.ok(maxDiff(forwardFolded([conv, sub], x), want) === 0, "a BatchNorm2d subclass must run its own forward");
});
