// The data-reading examples run as their READMEs say (npx tsx examples/<x>/train.ts
// --data DIR): without the data they print the loader's message (file, flag) and exit
// 1 with no stack trace; with ../shared/data the time-series example prints a result
// line whose baselines match the ones computed here from the CSV text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SHARED_DATA } from "../data/shared-data.js";

const runExample = (name: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", `examples/${name}/train.ts`, ...args], { encoding: "utf8", timeout: 120_000 });

test("cora, char-lm and timeseries without their data: a one-line reason naming the file and --download, exit 1", () => {
  const empty = mkdtempSync(join(tmpdir(), "myelin-nodata-"));
  const cases: [string, RegExp][] = [
    ["cora", /^cora example: Planetoid: .*cora\.json not found; .*--download/],
    ["char-lm", /^char-lm example: TinyShakespeare: .*tinyshakespeare\.txt not found; pass --download to fetch it from https:\/\/raw\.githubusercontent\.com\//],
    ["timeseries", /^timeseries example: TimeSeries: .*AirPassengers\.csv not found; .*--download/],
  ];
  for (const [name, re] of cases) {
    const r = runExample(name, "--data", empty);
    assert.equal(r.status, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /pass --data DIR/);
    assert.doesNotMatch(r.stderr, /ENOENT|\n\s+at /, `${name} printed a stack trace`);
  }
});

test("timeseries example with --data ../shared/data prints the forecast line", { skip: SHARED_DATA ? false : "../shared/data not found" }, () => {
  const r = runExample("timeseries", "--data", SHARED_DATA!, "AirPassengers", "--model", "mlp");
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split("\n").find((l) => l.startsWith("AirPassengers"));
  assert.ok(line, r.stdout);
  const [, model, nTest, mae, lastMae, seasonalMae] = line!.trim().split(/\s+/);
  assert.equal(model, "mlp");
  // Last-value MAE over the 24 held-out points, from the CSV text.
  const v = readFileSync(join(SHARED_DATA!, "timeseries", "AirPassengers.csv"), "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[1]));
  let last = 0, seasonal = 0;
  for (let t = v.length - Number(nTest); t < v.length; t++) {
    last += Math.abs(v[t] - v[t - 1]);
    seasonal += Math.abs(v[t] - v[t - 12]);
  }
  assert.equal(Number(lastMae), +(last / Number(nTest)).toPrecision(4));
  assert.equal(Number(seasonalMae), +(seasonal / Number(nTest)).toPrecision(4));
  assert.ok(Number(mae) < Number(lastMae), `model MAE ${mae} vs last value ${lastMae}`);
  assert.ok(!existsSync("data"), "nothing was written into ./data");
});
