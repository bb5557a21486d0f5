/**
 * Test models mirroring the PyTorch classes in test/fixtures/gen_nn_layers.py
 * (LeNet with BatchNorm, an MLP, and a module with mixed registration order).
 */
import { my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;

/** LeNet-5 with BatchNorm; the defaults are the classic 28x28 sizes. */
export class LeNet extends nn.Module {
  features: InstanceType<typeof nn.Sequential>;
  classifier: InstanceType<typeof nn.Sequential>;

  constructor(c1 = 6, c2 = 16, h1 = 120, h2 = 84, side = 28) {
    super();
    const flat = c2 * Math.floor((Math.floor(side / 2) - 4) / 2) ** 2;
    this.features = new nn.Sequential(
      new nn.Conv2d(1, c1, 5, { padding: 2 }), new nn.BatchNorm2d(c1), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(c1, c2, 5), new nn.BatchNorm2d(c2), new nn.ReLU(), new nn.MaxPool2d(2));
    this.classifier = new nn.Sequential(
      new nn.Flatten(), new nn.Linear(flat, h1), new nn.ReLU(), new nn.Linear(h1, h2), new nn.ReLU(), new nn.Linear(h2, 10));
  }

  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

/** 784-64-32-10 MLP with dropout. */
export class MLP extends nn.Module {
  fc1: InstanceType<typeof nn.Linear>;
  act = new nn.ReLU();
  drop = new nn.Dropout(0.2);
  fc2: InstanceType<typeof nn.Linear>;
  fc3: InstanceType<typeof nn.Linear>;

  constructor(dIn = 784, h1 = 64, h2 = 32) {
    super();
    this.fc1 = new nn.Linear(dIn, h1);
    this.fc2 = new nn.Linear(h1, h2);
    this.fc3 = new nn.Linear(h2, 10);
  }

  override forward(x: Tensor): Tensor {
    return this.fc3.forward(this.act.forward(this.fc2.forward(this.drop.forward(this.act.forward(this.fc1.forward(x))))));
  }
}

/** Fields in definition order, camelCase names, explicit buffers, ModuleList/ModuleDict. */
export class Custom extends nn.Module {
  linL = new nn.Linear(2, 3);
  inProjWeight = nn.Parameter(my.randn([6, 2]));
  layers: InstanceType<typeof nn.ModuleList>;
  weightIhL0: Tensor;
  heads: InstanceType<typeof nn.ModuleDict>;
  declare runningMean: Tensor;

  constructor() {
    super();
    this.registerBuffer("running_mean", my.zeros([3]));
    this.layers = new nn.ModuleList([new nn.Linear(3, 3), new nn.Tanh(), new nn.Linear(3, 2, { bias: false })]);
    this.weightIhL0 = nn.Parameter(my.randn([4]));
    this.registerBuffer("scratch", my.zeros([1]), { persistent: false });
    this.heads = new nn.ModuleDict({ cls: new nn.Linear(2, 2), reg: new nn.Linear(2, 1) });
  }

  override forward(x: Tensor): Tensor {
    let h = this.linL.forward(x).add(this.runningMean);
    for (const m of this.layers) h = m.forward(h) as Tensor;
    const cls = this.heads.get("cls").forward(h) as Tensor;
    const reg = this.heads.get("reg").forward(h) as Tensor;
    return cls.add(reg.mul(x.matmul(this.inProjWeight.t()).sum()).mul(0)).add(this.weightIhL0.sum());
  }
}

/** CTCLoss applied to logits through logSoftmax (PyTorch's CTC gradient assumes that step). */
export class CTCOnLogits extends nn.Module {
  loss = new nn.CTCLoss();

  override forward(logits: Tensor, t: Tensor, il: Tensor, tl: Tensor): Tensor {
    return this.loss.forward(my.F.logSoftmax(logits, 2), t, il, tl);
  }
}
