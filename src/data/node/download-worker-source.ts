/**
 * The source of download.ts's worker thread, a plain JS string run with
 * `new Worker(src, { eval: true })` so that it needs no module file of its own (the
 * same under tsx, from dist and in a bundle). Node-only by construction: it only runs
 * inside a Node worker that download.ts starts.
 */

// The worker: GETs `url` into `part`, sending Range when `part` has bytes (206 appends,
// 200 restarts, 416 restarts without Range); retries up to 3 times while progress is
// made; reports { ok } or { ok: false, error } through `port`, then flags `flag`.
export const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const { url, part, stallMs, port, flag } = workerData;
const done = (msg) => { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
async function attempt() {
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const ac = new AbortController();
  let timer = setTimeout(() => ac.abort(), stallMs);
  const headers = have > 0 ? { Range: "bytes=" + have + "-" } : {};
  let res;
  try { res = await fetch(url, { headers, signal: ac.signal, redirect: "follow" }); }
  catch (e) { clearTimeout(timer); return { retry: true, error: String(e.cause?.message ?? e.message) }; }
  if (res.status === 416 && have > 0) { clearTimeout(timer); fs.truncateSync(part, 0); return { retry: true, error: "HTTP 416 for a resumed range" }; }
  if (res.status !== 200 && res.status !== 206) { clearTimeout(timer); return { retry: false, error: "HTTP " + res.status + " " + res.statusText }; }
  if (res.status === 200) have = 0;
  const total = res.headers.get("content-length") === null ? null : have + Number(res.headers.get("content-length"));
  const fd = fs.openSync(part, have > 0 ? "a" : "w");
  try {
    for await (const chunk of res.body) {
      clearTimeout(timer); timer = setTimeout(() => ac.abort(), stallMs);
      fs.writeSync(fd, chunk);
    }
  } catch (e) { return { retry: true, error: "connection lost after " + fs.fstatSync(fd).size + " bytes: " + String(e.cause?.message ?? e.message) }; }
  finally { clearTimeout(timer); fs.closeSync(fd); }
  const size = fs.statSync(part).size;
  if (total !== null && size !== total) return { retry: true, error: "truncated: " + size + " of " + total + " bytes" };
  return { ok: true };
}
(async () => {
  let last = "";
  for (let i = 0; i < 3; i++) {
    const r = await attempt();
    if (r.ok) return done({ ok: true });
    last = r.error;
    if (!r.retry) break;
  }
  done({ ok: false, error: last });
})().catch((e) => done({ ok: false, error: String(e && e.message) }));
`;
