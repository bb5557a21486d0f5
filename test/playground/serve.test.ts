/**
 * `myelin playground`: the command prints the page's URL as its first line and serves
 * the built playground with the cross-origin-isolation headers; nothing outside
 * playground/ is reachable, and bad flags are usage errors (exit 2). Runs the real bin
 * (dist/); skips when dist/ or the playground build is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { request } from "node:http";
import { spawnSync } from "node:child_process";
import { startPlayground } from "./server.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const built = ["dist/cli/playground.js", "dist/browser/myelin.js", "playground/dist/main.js"].every((p) => existsSync(join(ROOT, p)));
const skip = built ? false : "dist/ or playground/dist is not built (run npm run build)";

/** A raw GET (no URL normalisation by the client, so ../ reaches the server as sent). */
function get(origin: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(origin);
  return new Promise((res, rej) => {
    request({ host: u.hostname, port: u.port, path, method: "GET" }, (r) => {
      let body = "";
      r.on("data", (d) => (body += d));
      r.on("end", () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
    }).on("error", rej).end();
  });
}

test("myelin playground: URL first, static files with COOP/COEP, nothing outside playground/ but the library bundle", { skip, timeout: 30_000 }, async () => {
  const pg = await startPlayground();
  try {
    assert.match(pg.firstLine, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(pg.origin, "/");
    assert.equal(page.status, 200);
    assert.equal(page.headers["cross-origin-opener-policy"], "same-origin");
    assert.equal(page.headers["cross-origin-embedder-policy"], "require-corp");
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.match(page.body, /data-testid="train-toggle"/);
    const js = await get(pg.origin, "/dist/worker.js");
    assert.equal(js.status, 200);
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
    // The library is the package's browser bundle, served where the worker imports it.
    const lib = await get(pg.origin, "/dist/myelin.js");
    assert.equal(lib.status, 200);
    assert.equal(lib.body, readFileSync(join(ROOT, "dist", "browser", "myelin.js"), "utf8"));
    for (const p of ["/../package.json", "/%2e%2e/package.json", "/dist/../../package.json", "/nope.js"]) {
      assert.equal((await get(pg.origin, p)).status, 404, p);
    }
  } finally {
    pg.stop();
  }
});

test("myelin playground: a bad --port or an extra argument is a usage error", { skip }, () => {
  for (const args of [["--port", "x"], ["--port", "70000"], ["extra"], ["--bogus"]]) {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "myelin.mjs"), "playground", ...args], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 2, `${args.join(" ")}: exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, /^myelin: /);
  }
});
