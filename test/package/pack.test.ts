// The published package as a user gets it: `npm pack`, then the tarball installed into
// fresh projects (ES module, CommonJS from `npm init -y`, TypeScript `strict` in both
// module systems, and esbuild browser bundles in esm and iife formats). Each imports
// `fit` and trains a logistic regression on a linearly separable grid. Separable data
// has infimum cross-entropy 0 and some linear classifier gets every point right, so a
// working install must reach 100% accuracy and a loss far below chance (ln 2); the
// untrained model's accuracy is reported next to it to show the change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const npmMissing = spawnSync("npm", ["--version"], { encoding: "utf8" }).status !== 0;
if (npmMissing) console.log("# pack test skipped: npm is not on PATH");

const NAMES = "fit, evaluate, nn, optim, data, F, tensor, backend, manualSeed";
// Valid JavaScript and strict TypeScript at once (types are inferred).
const BODY = `
async function main() {
  manualSeed(0);
  const grid = Array.from({ length: 21 }, (_, i) => -1 + i / 10);
  const pts = grid.flatMap((a) => grid.map((b) => [a, b])).filter(([a, b]) => Math.abs(a + 2 * b) > 0.3);
  const x = tensor(pts);
  const y = tensor(pts.map(([a, b]) => (a + 2 * b > 0 ? 1 : 0)), { dtype: "int32" });
  const ds = new data.TensorDataset(x, y);
  const model = new nn.Linear(2, 2);
  const opt = new optim.Adam(model.parameters(), { lr: 0.1 });
  const before = evaluate(model, ds, { loss: F.crossEntropy, metrics: ["accuracy"] });
  await fit(model, { loss: F.crossEntropy, optimizer: opt, trainData: ds, epochs: 40, batchSize: 32, verbose: 0 });
  const after = evaluate(model, ds, { loss: F.crossEntropy, metrics: ["accuracy"] });
  console.log(JSON.stringify({ backend: backend(), n: pts.length, before, after }));
}
main().catch((e) => { console.error(e); process.exit(1); });
`;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} in ${cwd} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Total bytes of the files under `dir`. */
function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((s, e) => {
    const p = join(dir, e.name);
    return s + (e.isDirectory() ? bytesUnder(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);
}

/** Every .map file under `dir`. */
function mapsUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? mapsUnder(p) : e.name.endsWith(".map") ? [p] : [];
  });
}

/** Checks the JSON line the consumer program prints: the install trained the model. */
function assertTrained(stdout: string, label: string): void {
  const line = stdout.trim().split("\n").pop() ?? "";
  const r = JSON.parse(line) as { backend: string; n: number; before: Record<string, number>; after: Record<string, number> };
  assert.ok(r.n > 300, `${label}: grid has ${r.n} points`);
  assert.equal(r.after.accuracy, 1, `${label}: accuracy ${r.after.accuracy} (untrained ${r.before.accuracy}) on separable data`);
  assert.ok(r.after.loss < 0.1 * Math.LN2, `${label}: loss ${r.after.loss} (untrained ${r.before.loss}) vs chance ${Math.LN2}`);
  assert.ok(r.after.loss < r.before.loss, `${label}: loss fell`);
}

test("npm pack installs into ESM, CommonJS, TypeScript and bundler projects that train with fit", { skip: npmMissing ? "npm unavailable" : false, timeout: 300_000 }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "myelin-pack-"));
  try {
    // `npm pack` runs `prepare`, which rebuilds dist/ only when a source is newer.
    const packed = run("npm", ["pack", "--pack-destination", tmp, "--silent"], root);
    const tarball = join(tmp, packed.stdout.trim().split("\n").pop()!);
    const project = (name: string, pkg: object | null): string => {
      const dir = join(tmp, name);
      mkdirSync(dir);
      if (pkg) writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, ...pkg }));
      else run("npm", ["init", "-y"], dir);
      // No dependencies to fetch; the native addon build is skipped for time (the
      // install script still runs and says so).
      const r = run("npm", ["install", tarball, "--offline", "--no-audit", "--no-fund", "--foreground-scripts"], dir, { MYELIN_SKIP_NATIVE: "1" });
      assert.match(r.stdout + r.stderr, /native backend skipped/, `${name}: install script ran`);
      return dir;
    };

    await t.test("ES module", () => {
      const dir = project("esm", { type: "module" });
      writeFileSync(join(dir, "main.js"), `import { ${NAMES} } from "myelin";\n${BODY}`);
      assertTrained(run(process.execPath, ["main.js"], dir).stdout, "esm");
      // Installed size without devDependencies (the tarball has no dependencies at all).
      const mb = bytesUnder(join(dir, "node_modules")) / 2 ** 20;
      assert.ok(mb < 10, `installed size ${mb.toFixed(1)} MB`);
      t.diagnostic(`installed size ${mb.toFixed(2)} MB`);
      // Every source map (JS and declaration maps, both builds) points at shipped files.
      const pkg = join(dir, "node_modules", "myelin");
      const maps = mapsUnder(join(pkg, "dist"));
      assert.ok(maps.length > 100, `${maps.length} source maps`);
      for (const m of maps) {
        const { sources } = JSON.parse(readFileSync(m, "utf8")) as { sources: string[] };
        for (const s of sources) assert.ok(existsSync(join(dirname(m), s)), `${m} → ${s} is not in the package`);
      }
    });

    await t.test("CommonJS (npm init -y)", () => {
      const dir = project("cjs", null);
      writeFileSync(join(dir, "main.js"), `const { ${NAMES} } = require("myelin");\n` +
        `const train = require("myelin/train");\nif (train.fit !== fit) throw new Error("myelin/train.fit differs");\n${BODY}`);
      assertTrained(run(process.execPath, ["main.js"], dir).stdout, "cjs");
    });

    for (const type of ["module", "commonjs"]) {
      await t.test(`TypeScript strict (${type})`, () => {
        const dir = project(`ts-${type}`, { type });
        // No @types/node: myelin's declarations must stand alone (checked in full once;
        // the CommonJS project checks how `require` resolves the types, which is what differs).
        writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
          compilerOptions: { strict: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", outDir: "out", types: [],
            lib: ["es2022", "dom"], skipLibCheck: type === "commonjs" },
          files: ["main.ts"],
        }));
        writeFileSync(join(dir, "main.ts"), `import { ${NAMES} } from "myelin";\ndeclare const process: { exit(code: number): never };\n${BODY}`);
        run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], dir);
        assertTrained(run(process.execPath, ["out/main.js"], dir).stdout, `ts-${type}`);
      });
    }

    await t.test("esbuild browser bundles (esm, iife)", async () => {
      const dir = project("bundle", { type: "commonjs" });
      writeFileSync(join(dir, "entry.js"), `import { ${NAMES} } from "myelin";\n${BODY}`);
      const { build } = await import("esbuild");
      for (const [format, out] of [["esm", "out.mjs"], ["iife", "out.js"]] as const) {
        const r = await build({ absWorkingDir: dir, entryPoints: ["entry.js"], bundle: true, platform: "browser", format, outfile: out, logLevel: "silent" });
        assert.deepEqual(r.errors, [], `${format} bundle errors`);
        t.diagnostic(`${format} bundle: ${(statSync(join(dir, out)).size / 1024).toFixed(0)} KiB, ${r.warnings.length} warning(s)${r.warnings.map((w) => `: ${w.text}`).join("")}`);
        // A browser bundle runs in Node too (no Node-only module is reached at import).
        assertTrained(run(process.execPath, [out], dir).stdout, `bundle-${format}`);
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
