/**
 * Runs a module in headless Chromium with WebGPU and returns what it reported: the
 * entry (a .ts/.js file whose default export is an async function returning JSON-able
 * data) is bundled with esbuild, served from a throwaway server with COOP/COEP headers,
 * and opened in /usr/bin/chromium (or $MYELIN_CHROMIUM) through playwright-core with
 * WebGPU on SwiftShader (`--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader
 * --enable-features=Vulkan`), so it needs no GPU. Used by the WebGPU browser tests; the
 * training workloads on the tensor API can be pointed at it the same way.
 */
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's chromium by default; MYELIN_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.MYELIN_CHROMIUM ?? "/usr/bin/chromium";

export const WEBGPU_FLAGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-features=Vulkan"];

/** Why the harness cannot run here (no Chromium), or null. */
export function chromiumSkipReason(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is absent (apt-get install chromium, or set MYELIN_CHROMIUM)`;
}

/** What the page reported: the entry's return value, or the error it threw; console errors and page errors seen. */
export interface ChromiumResult<T> { ok: boolean; value?: T; error?: string; consoleErrors: string[] }

/** The page: imports the bundle, runs its default export, leaves the outcome on window.__done. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>myelin webgpu</title>
<script type="module">
import run from "./entry.js";
try { window.__done = { ok: true, value: await run() }; }
catch (e) { window.__done = { ok: false, error: String(e && e.stack || e) }; }
</script>`;

function serve(files: Record<string, { type: string; body: string | Buffer }>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const f = files[path];
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    res.setHeader("Cache-Control", "no-store");
    if (path === "/favicon.ico") { res.writeHead(204).end(); return; }
    if (!f) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "Content-Type": f.type }).end(f.body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const addr = server.address();
    resolve({ server, origin: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` });
  }));
}

/**
 * Bundles `entry` and runs its default export in headless Chromium with WebGPU;
 * resolves with what it returned (or threw). `timeoutMs` bounds the page's run.
 */
export async function runInChromium<T>(entry: string, opts: { timeoutMs?: number } = {}): Promise<ChromiumResult<T>> {
  const reason = chromiumSkipReason();
  if (reason) throw new Error(`runInChromium: ${reason}`);
  const { build } = await import("esbuild");
  const dir = mkdtempSync(join(tmpdir(), "myelin-webgpu-"));
  let server: Server | undefined;
  const { chromium } = await import("playwright-core");
  let ctx: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(dir, "entry.js"), logLevel: "error" });
    const served = await serve({
      "/": { type: "text/html", body: PAGE },
      "/entry.js": { type: "text/javascript", body: readFileSync(join(dir, "entry.js")) },
    });
    server = served.server;
    const origin = served.origin;
    ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", ...WEBGPU_FLAGS],
    });
    const page = await ctx.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`console: ${m.text()}`); });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { __done?: unknown }).__done !== undefined, undefined, { timeout: opts.timeoutMs ?? 60_000 });
    const done = await page.evaluate(() => (window as unknown as { __done: { ok: boolean; value?: unknown; error?: string } }).__done);
    return { ok: done.ok, value: done.value as T, error: done.error, consoleErrors };
  } finally {
    await ctx?.close();
    if (server) await new Promise((res) => server!.close(res));
    rmSync(dir, { recursive: true, force: true });
  }
}
