/**
 * `myelin playground [--port N]`: serves the built playground (playground/index.html,
 * style.css and dist/, built by `npm run build`) as static files with the two
 * cross-origin-isolation headers (so the page gets SharedArrayBuffer and wasm threads),
 * and the package's browser bundle (dist/browser/myelin.js) at /dist/myelin.js, where
 * the worker imports it. The first line of output is the page's URL; the server runs
 * until interrupted.
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError, formatFlags, parseArgs, type FlagSpec } from "./args.js";

const FLAGS: Record<string, FlagSpec> = {
  help: { type: "boolean", alias: "h", help: "show this help" },
  port: { type: "int", alias: "p", help: "port to listen on (default 8765; 0 picks a free one)" },
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".map": "application/json", ".json": "application/json", ".wasm": "application/wasm", ".png": "image/png",
  ".bin": "application/octet-stream", ".gz": "application/gzip", ".svg": "image/svg+xml",
};

/** The playground folder of this package (next to dist/ and src/). */
export function playgroundDir(): string {
  const here = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
  return resolve(here, "..", "..", "playground");
}

/** A static file server for `root`, cross-origin isolated, GET/HEAD only, nothing outside `root`. */
export function servePlayground(root: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { Allow: "GET, HEAD" }).end();
    let path: string;
    try {
      path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    } catch {
      return void res.writeHead(400).end("bad path");
    }
    // The library itself: the package's browser bundle, shipped once (see scripts/build-playground.mjs).
    const lib = join(root, "..", "dist", "browser");
    const file = path === "/dist/myelin.js" || path === "/dist/myelin.js.map" ? join(lib, path.slice("/dist/".length))
      : join(root, path.endsWith("/") ? join(path, "index.html") : path);
    const inside = file.startsWith(root + sep) || file.startsWith(lib + sep);
    if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      return void res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${path}`);
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}

/** The command: checks the build, listens, prints the URL first. Resolves when the server closes. */
export async function playgroundCmd(argv: string[], out: (s: string) => void): Promise<void> {
  const { positionals, flags } = parseArgs(argv, FLAGS, "playground");
  if (flags.help) return out(`Usage: myelin playground [--port N]\n\nServes the playground page on http://127.0.0.1:PORT/.\n\nOptions:\n${formatFlags(FLAGS)}`);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = Number(flags.port ?? 8765);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer in 0..65535, got ${flags.port}`);
  const root = playgroundDir();
  if (!existsSync(join(root, "dist", "main.js"))) throw new Error(`the playground is not built (${join(root, "dist")} is missing); run npm run build`);
  let server: Server;
  try {
    server = await servePlayground(root, port);
  } catch (e) {
    throw new Error(`playground: cannot listen on 127.0.0.1:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const addr = server.address();
  out(`http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : port}/`);
  out("serving the myelin playground (static files, cross-origin isolated); Ctrl-C stops");
  await new Promise((res) => server.on("close", res));
}
