#!/usr/bin/env node
// Static server for the browser example: serves the repo's dist/ (the built library)
// and examples/browser/ with the COOP/COEP headers that make the page cross-origin
// isolated, so SharedArrayBuffer (wasm shared memory + worker threads) is available.
// Usage: npm run build && node examples/browser/serve.mjs [port]   (then open the URL)
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..");
const port = Number(process.argv[2] ?? 8080);
const allowed = ["/dist/", "/build/wasm/", "/examples/browser/"];
const types = { ".js": "text/javascript", ".html": "text/html", ".map": "application/json", ".wasm": "application/wasm" };

createServer((req, res) => {
  let path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  if (path === "/") path = "/examples/browser/index.html";
  const file = join(root, path);
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
  if (!allowed.some((p) => path.startsWith(p)) || !existsSync(file) || !statSync(file).isFile()) {
    return res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${path}`);
  }
  res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
}).listen(port, "127.0.0.1", () => console.log(`myelin browser example: http://127.0.0.1:${port}/`));
