/**
 * The page's controls: writes a State into the form, and turns user edits back into a
 * new State through one callback. Building the per-layer rows lives here too. No
 * training logic: main.ts decides what a change means.
 */
import { ACTIVATIONS, DATASETS, INITS, MAX_LAYERS, MAX_UNITS, OPTIMIZERS, PRESETS, SCHEDULES, type State } from "./state.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const LABELS: Record<string, string> = {
  circle: "Circle", xor: "XOR", gauss: "Gaussians", spirals: "Spirals", plane: "Regression plane", csv: "CSV file", mnist: "MNIST digits",
  default: "PyTorch default", xavier: "Xavier uniform", kaiming: "Kaiming normal", normal: "Normal σ=1 (bad)", small: "Normal σ=0.01 (tiny)",
  sgd: "SGD", momentum: "SGD + momentum", adam: "Adam", adamw: "AdamW", rmsprop: "RMSprop", adagrad: "Adagrad",
  none: "constant", step: "StepLR (½ every 50 epochs)", exp: "ExponentialLR (0.99/epoch)", cosine: "CosineAnnealingLR (200 epochs)",
  leakyrelu: "LeakyReLU", relu: "ReLU", tanh: "Tanh", sigmoid: "Sigmoid", elu: "ELU", gelu: "GELU", silu: "SiLU", linear: "linear (none)",
};

function fillSelect(sel: HTMLSelectElement, values: readonly string[]): void {
  sel.replaceChildren(...values.map((v) => new Option(LABELS[v] ?? v, v)));
}

export type Change = (edit: (s: State) => State) => void;

/** Wires every static control once; `change` receives state edits. */
export function initControls(change: Change, onPreset: (name: string) => void, onCsvFile: (f: File) => void, mnistAvailable: boolean): void {
  const box = $("datasets");
  for (const d of DATASETS) {
    if (d === "csv" || (d === "mnist" && !mnistAvailable)) continue;
    const b = document.createElement("button");
    b.textContent = LABELS[d];
    b.dataset.testid = `dataset-${d}`;
    b.id = `dataset-${d}`;
    b.setAttribute("aria-pressed", "false");
    // MNIST comes with its preset: the 2-D sets' learning rate is too high for the conv net.
    b.addEventListener("click", () => change((s) => (d === "mnist" ? (s.dataset === d ? s : PRESETS.mnist.apply(s)) : { ...s, dataset: d })));
    box.append(b);
  }
  fillSelect($("init"), INITS);
  fillSelect($("optimizer"), OPTIMIZERS);
  fillSelect($("schedule"), SCHEDULES);
  const preset = $<HTMLSelectElement>("preset");
  for (const [k, p] of Object.entries(PRESETS)) preset.append(new Option(p.label, k));
  preset.addEventListener("change", () => { if (preset.value) onPreset(preset.value); preset.value = ""; });

  const num = (id: string, key: keyof State, ev: "input" | "change" = "input", int = false) => {
    const el = $<HTMLInputElement>(id);
    el.addEventListener(ev, () => {
      const v = Number(el.value);
      const ok = el.value.trim() !== "" && Number.isFinite(v) && v >= Number(el.min) && (el.max === "" || v <= Number(el.max)) && (!int || Number.isInteger(v));
      el.setAttribute("aria-invalid", ok ? "false" : "true");
      if (ok) change((s) => ({ ...s, [key]: v }));
    });
  };
  num("noise", "noise", "change");
  num("split", "trainPct", "change", true);
  num("points", "points", "input", true);
  num("seed", "seed", "input", true);
  num("dropout", "dropout");
  num("l1", "l1");
  num("l2", "l2");
  num("lr", "lr");
  num("batch", "batchSize", "input", true);
  for (const [id, out] of [["noise", "noise-out"], ["split", "split-out"]]) {
    $<HTMLInputElement>(id).addEventListener("input", () => { $(out).textContent = $<HTMLInputElement>(id).value + (id === "split" ? "%" : ""); });
  }
  $<HTMLInputElement>("batchnorm").addEventListener("change", () => change((s) => ({ ...s, batchNorm: $<HTMLInputElement>("batchnorm").checked })));
  for (const [id, key] of [["init", "init"], ["optimizer", "optimizer"], ["schedule", "schedule"]] as const) {
    $<HTMLSelectElement>(id).addEventListener("change", () => change((s) => ({ ...s, [key]: $<HTMLSelectElement>(id).value })));
  }
  $("add-layer").addEventListener("click", () => change((s) => (s.layers.length >= MAX_LAYERS ? s
    : { ...s, layers: [...s.layers, { ...(s.layers[s.layers.length - 1] ?? { units: 4, act: "tanh" }) }] })));

  // CSV: the file input, and drag-and-drop anywhere on the data panel.
  $<HTMLInputElement>("csv-input").addEventListener("change", (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) onCsvFile(f);
  });
  const zone = $("data-panel");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("drag"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("drag"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("drag");
    const f = e.dataTransfer?.files[0];
    if (f) onCsvFile(f);
  });
  $<HTMLSelectElement>("target-column").addEventListener("change", () => {
    const target = $<HTMLSelectElement>("target-column").value;
    change((s) => ({ ...s, dataset: "csv", target, features: s.features.filter((f) => f !== target) }));
  });
}

/**
 * Shows the column picker for a parsed CSV (checkboxes for features, a select for the
 * target). Built once per file; later calls only update it, so keyboard focus stays.
 */
export function showColumns(columns: string[], s: State, change: Change): void {
  $("columns").hidden = false;
  const target = $<HTMLSelectElement>("target-column");
  const box = $("feature-columns");
  if (box.dataset.columns !== JSON.stringify(columns)) {
    box.dataset.columns = JSON.stringify(columns);
    fillSelect(target, columns);
    buildColumns(columns, change);
  }
  target.value = s.target;
  columns.forEach((c, i) => {
    const cb = $<HTMLInputElement>(`feature-${i}`);
    cb.checked = s.features.includes(c);
    cb.disabled = c === s.target;
  });
}

function buildColumns(columns: string[], change: Change): void {
  $("feature-columns").replaceChildren(...columns.map((c, i) => {
    const label = document.createElement("label");
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.id = `feature-${i}`;
    cb.addEventListener("change", () => change((st) => ({ ...st, dataset: "csv",
      features: columns.filter((col) => (col === c ? cb.checked : st.features.includes(col))) })));
    label.append(cb, ` ${c}`);
    return label;
  }));
}

function setValue(id: string, v: string | number): void {
  const el = $<HTMLInputElement>(id);
  // Leave a field alone while the user types in it (its value may be a valid prefix).
  if (document.activeElement !== el || el.type === "range" || el.tagName === "SELECT") el.value = String(v);
}

/** Writes the state into every control (after a reload, preset, or URL change). */
export function renderControls(s: State, change: Change): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("#datasets button")) {
    b.setAttribute("aria-pressed", String(b.id === `dataset-${s.dataset}`));
  }
  const synthetic = s.dataset !== "csv" && s.dataset !== "mnist";
  for (const id of ["noise", "points"]) $<HTMLInputElement>(id).disabled = !synthetic;
  setValue("noise", s.noise); $("noise-out").textContent = String(s.noise);
  setValue("split", s.trainPct); $("split-out").textContent = `${s.trainPct}%`;
  setValue("points", s.points); setValue("seed", s.seed);
  setValue("dropout", s.dropout); setValue("l1", s.l1); setValue("l2", s.l2); setValue("lr", s.lr); setValue("batch", s.batchSize);
  $<HTMLInputElement>("batchnorm").checked = s.batchNorm;
  setValue("init", s.init); setValue("optimizer", s.optimizer); setValue("schedule", s.schedule);
  const mnist = s.dataset === "mnist";
  for (const id of ["add-layer", "dropout", "batchnorm", "init"]) $<HTMLInputElement>(id).disabled = mnist;
  $("net-summary").textContent = mnist ? "MNIST uses a fixed small conv net: Conv 8@3×3 → ReLU → pool → Conv 16@3×3 → ReLU → pool → Linear 784→10." : "";
  renderLayers(s, change);
}

/** One row per hidden layer: units, activation, remove. Rebuilt only when the count changes, so focus survives edits. */
function renderLayers(s: State, change: Change): void {
  const list = $("layers");
  if (list.children.length !== s.layers.length || s.dataset === "mnist") {
    list.replaceChildren(...(s.dataset === "mnist" ? [] : s.layers.map((_, i) => layerRow(i, change))));
  }
  s.layers.forEach((l, i) => {
    const u = document.querySelector<HTMLInputElement>(`[data-testid="layer-${i}-units"]`);
    const a = document.querySelector<HTMLSelectElement>(`[data-testid="layer-${i}-activation"]`);
    if (u && document.activeElement !== u) u.value = String(l.units);
    if (a) a.value = l.act;
  });
}

function layerRow(i: number, change: Change): HTMLLIElement {
  const li = document.createElement("li");
  const units = document.createElement("input");
  Object.assign(units, { type: "number", min: "1", max: String(MAX_UNITS), step: "1", id: `layer-${i}-units` });
  units.dataset.testid = `layer-${i}-units`;
  units.addEventListener("input", () => {
    const v = Number(units.value);
    const ok = Number.isInteger(v) && v >= 1 && v <= MAX_UNITS;
    units.setAttribute("aria-invalid", String(!ok));
    if (ok) change((s) => ({ ...s, layers: s.layers.map((l, k) => (k === i ? { ...l, units: v } : l)) }));
  });
  const act = document.createElement("select");
  act.id = `layer-${i}-activation`;
  act.dataset.testid = `layer-${i}-activation`;
  fillSelect(act, ACTIVATIONS);
  act.addEventListener("change", () => change((s) => ({ ...s, layers: s.layers.map((l, k) => (k === i ? { ...l, act: act.value as typeof l.act } : l)) })));
  units.setAttribute("aria-label", `Layer ${i + 1} units`);
  act.setAttribute("aria-label", `Layer ${i + 1} activation`);
  const lu = document.createElement("label");
  lu.append(units, " units");
  const rm = document.createElement("button");
  rm.textContent = "✕";
  rm.setAttribute("aria-label", `Remove layer ${i + 1}`);
  rm.addEventListener("click", () => change((s) => ({ ...s, layers: s.layers.filter((_, k) => k !== i) })));
  const no = document.createElement("span");
  no.className = "layer-no";
  no.textContent = String(i + 1);
  no.setAttribute("aria-hidden", "true");
  li.append(no, lu, act, rm);
  return li;
}
