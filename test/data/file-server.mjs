// A local HTTP file server for the download tests, run as a child process (the
// dataset constructors block their thread while they download, so the server cannot
// share it). Listens on 127.0.0.1, prints "PORT <n>", serves files from the folders
// given as arguments, and stops itself after 120 s or when its stdin closes.
//   /ok/<file>        the file, honouring Range (206)
//   /truncate/<file>  the first full request gets half the bytes then a reset; later ones as /ok
//   /norange/<file>   like /truncate, but Range is ignored (always 200, the whole file)
//   /corrupt/<file>   the file with its middle byte flipped
//   /gzip/<file>.gz   <file> gzipped on the fly
//   /log              JSON of the requests so far: [{ path, range, status }]
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dirs = process.argv.slice(2);
const log = [];
const truncatedOnce = new Set();

function find(name) {
  for (const d of dirs) if (existsSync(join(d, name))) return readFileSync(join(d, name));
  return null;
}

const server = createServer((req, res) => {
  const [, mode, ...rest] = decodeURIComponent(req.url ?? "").split("/");
  const name = rest.join("/");
  const entry = { path: req.url, range: req.headers.range ?? null, status: 0 };
  log.push(entry);
  const send = (status, body, headers = {}) => {
    entry.status = status;
    res.writeHead(status, { "content-length": body.length, ...headers });
    res.end(body);
  };
  if (mode === "log") return send(200, Buffer.from(JSON.stringify(log.slice(0, -1))));
  let body = mode === "gzip" ? find(name.replace(/\.gz$/, "")) : find(name);
  if (body === null || !["ok", "truncate", "norange", "corrupt", "gzip"].includes(mode)) return send(404, Buffer.from("not found"));
  if (mode === "gzip") body = gzipSync(body, { level: 1 });
  if (mode === "corrupt") {
    body = Buffer.from(body);
    body[body.length >> 1] ^= 0xff;
  }
  const firstTime = (mode === "truncate" || mode === "norange") && !truncatedOnce.has(name);
  if (firstTime) {
    truncatedOnce.add(name);
    entry.status = 200;
    res.writeHead(200, { "content-length": body.length });
    res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.destroy(), 50));
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (m && mode !== "norange") {
    const start = Number(m[1]);
    if (start >= body.length) return send(416, Buffer.alloc(0), { "content-range": `bytes */${body.length}` });
    return send(206, body.subarray(start), { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
  }
  send(200, body);
});

// Idle keep-alive sockets stay open for the server's life: closing one just as the test
// reuses it for /log fails that request ("other side closed").
server.keepAliveTimeout = 130_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref();
setTimeout(stop, 120_000).unref();
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
