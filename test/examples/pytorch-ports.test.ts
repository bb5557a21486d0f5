// The six PyTorch example ports (examples/pytorch-ports/) on their small settings: each
// port's metric must fall in the noise band of what the PyTorch script beside it
// measured over several seeds (results/<name>.pytorch.json, committed; the band rule is
// common.ts's band()). The script's settings must be the port's defaults, so the
// comparison is of the same experiment. Cora and Tiny Shakespeare come from the shared
// data folder; those two are skipped where it is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { band, pytorchResult } from "../../examples/pytorch-ports/common.js";
import { PORTS } from "../../examples/pytorch-ports/ports.js";
import * as mnist from "../../examples/pytorch-ports/mnist.js";
import * as vae from "../../examples/pytorch-ports/vae.js";
import * as dcgan from "../../examples/pytorch-ports/dcgan.js";
import * as wlm from "../../examples/pytorch-ports/word_language_model.js";
import * as tsp from "../../examples/pytorch-ports/time_sequence_prediction.js";
import * as gcn from "../../examples/pytorch-ports/gcn.js";
import { SHARED_DATA } from "../data/shared-data.js";

const defaults: Record<string, Record<string, number>> = {
  mnist: mnist.DEFAULTS, vae: vae.DEFAULTS, dcgan: dcgan.DEFAULTS, word_language_model: wlm.DEFAULTS, time_sequence_prediction: tsp.DEFAULTS, gcn: gcn.DEFAULTS,
};
const needs: Record<string, string> = { word_language_model: "tinyshakespeare.txt", gcn: "cora.json" };

for (const name of Object.keys(PORTS)) {
  const file = needs[name];
  const skip = file && !(SHARED_DATA && existsSync(`${SHARED_DATA}/${file}`)) ? `${file} not found in ../shared/data` : false;
  test(`pytorch-ports/${name}: metric within the PyTorch script's band on the same settings`, { skip }, () => {
    const py = pytorchResult(name);
    const { seed: _seed, ...settings } = defaults[name];
    assert.deepEqual(settings, py.settings, `${name}: the PyTorch script ran other settings than the port's defaults`);
    assert.ok(py.values.length >= 3, `${name}: fewer than 3 PyTorch seeds measured`);
    const [lo, hi] = band(py.values);
    const { metric } = PORTS[name].run({ seed: 0 });
    assert.ok(metric >= lo && metric <= hi, `${name}: ${py.metric} ${metric} outside PyTorch's band [${lo}, ${hi}] (seeds: ${py.values.join(", ")})`);
  });
}
