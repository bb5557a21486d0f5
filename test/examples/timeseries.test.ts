/**
 * Smoke test of examples/timeseries: the MLP and LSTM forecasters must beat the
 * last-value and seasonal-naive forecasts, recomputed here straight from the CSV
 * text, on the chronological test split of AirPassengers and co2.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { forecast, loadSeries } from "../../examples/timeseries/train.js";
import { SHARED_DATA } from "../data/shared-data.js";

// The CSVs come from ../shared/data/timeseries (never copied into the repo).
const DATA_DIR = `${SHARED_DATA}/timeseries`;
const skip = SHARED_DATA && existsSync(DATA_DIR) ? false : "time-series CSVs not found in ../shared/data/timeseries";

/** Values of a "time","value" CSV, parsed without myelin. */
function readValues(name: string): number[] {
  return readFileSync(`${DATA_DIR}/${name}.csv`, "utf8").trim().split(/\r?\n/).slice(1).map((l) => Number(l.split(",")[1]));
}

/** MAE of the last-value and seasonal-naive forecasts over the last `nTest` points. */
function baselines(v: number[], period: number, nTest: number): { last: number; seasonal: number } {
  let last = 0, seasonal = 0;
  for (let t = v.length - nTest; t < v.length; t++) {
    last += Math.abs(v[t] - v[t - 1]);
    seasonal += Math.abs(v[t] - v[t - period]);
  }
  return { last: last / nTest, seasonal: seasonal / nTest };
}

for (const [name, period, log, models] of [["AirPassengers", 12, true, ["mlp", "lstm"]], ["co2", 12, false, ["mlp"]]] as const) {
  for (const model of models) {
    test(`timeseries: ${model} beats last-value and seasonal-naive on ${name}`, { skip }, () => {
      const v = readValues(name);
      const r = forecast(name, loadSeries(name, SHARED_DATA!), { period, log }, { model, seed: 0 });
      // 24 forecast targets need windows of 24 values: the last 20% of n - 24 targets.
      const nTest = Math.round((v.length - 24) * 0.2);
      assert.equal(r.testPoints, nTest);
      const b = baselines(v, period, nTest);
      assert.ok(Math.abs(r.lastValue.mae - b.last) < 1e-9 * b.last && Math.abs(r.seasonalNaive.mae - b.seasonal) < 1e-9 * b.seasonal);
      const best = Math.min(b.last, b.seasonal);
      assert.ok(r.scores.mae < 0.75 * best, `${model} MAE ${r.scores.mae} vs best naive ${best}`);
    });
  }
}
