/**
 * Starts `myelin playground --port 0` (the real bin, on a free port) for the playground
 * tests and returns the URL it printed on its first line.
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");

export interface Running { origin: string; firstLine: string; stop(): void }

export function startPlayground(): Promise<Running> {
  const proc = spawn(process.execPath, [join(ROOT, "bin", "myelin.mjs"), "playground", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  return new Promise((res, rej) => {
    const timer = setTimeout(() => { proc.kill(); rej(new Error(`myelin playground printed no line in 15 s: ${out}${err}`)); }, 15_000);
    proc.stderr.on("data", (d) => (err += d));
    proc.on("exit", (code) => { clearTimeout(timer); rej(new Error(`myelin playground exited (${code}): ${err}`)); });
    proc.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      const firstLine = out.slice(0, nl);
      res({ firstLine, origin: firstLine.replace(/\/$/, ""), stop: () => proc.kill() });
    });
  });
}
