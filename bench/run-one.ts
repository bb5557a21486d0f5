/**
 * Runs one workload file in this process and prints its rows as a final
 * `BENCH_JSON <json>` line for bench/run.ts. Usage: run-one.ts <workload.ts> [--quick] [--only=prefix]
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { Workload } from "./harness.js";

const [file] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7) ?? "";
const mod = (await import(pathToFileURL(resolve(file)).href)) as { workload: Workload };
const rows = await mod.workload.run({ quick, only });
console.log("BENCH_JSON " + JSON.stringify(rows));
// Worker pools (ours, TF.js) are unref'd or idle; exit promptly regardless.
process.exit(0);
