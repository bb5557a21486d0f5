/**
 * A small, strict argv parser for the `myelin` command: declared flags only,
 * typed values, and usage errors (exit code 2) that say what was wrong.
 */

export class UsageError extends Error {}

export interface FlagSpec {
  type: "number" | "string" | "boolean" | "int";
  help: string;
  /** Short alias, e.g. "e" for -e. */
  alias?: string;
}

export type Parsed = { positionals: string[]; flags: Record<string, string | number | boolean> };

/** Parses `argv` against `spec` ("--batch-size 64", "--batch-size=64", "--quiet"). */
export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>, command: string): Parsed {
  const positionals: string[] = [];
  const flags: Record<string, string | number | boolean> = {};
  const byAlias = new Map(Object.entries(spec).filter(([, s]) => s.alias).map(([k, s]) => [s.alias!, k]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    const [rawName, inline] = a.startsWith("--") ? [a.slice(2).split("=")[0], a.includes("=") ? a.slice(a.indexOf("=") + 1) : undefined] : [byAlias.get(a.slice(1)) ?? `-${a.slice(1)}`, undefined];
    const s = spec[rawName];
    if (!s) throw new UsageError(`unknown option ${a} for '${command}' (see myelin ${command} --help)`);
    if (s.type === "boolean") {
      if (inline !== undefined && !["true", "false"].includes(inline)) throw new UsageError(`option --${rawName} takes no value (got "${inline}")`);
      flags[rawName] = inline !== "false";
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new UsageError(`option --${rawName} needs a value`);
    if (s.type === "string") flags[rawName] = v;
    else {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n) || (s.type === "int" && !Number.isInteger(n))) {
        throw new UsageError(`option --${rawName} expects ${s.type === "int" ? "an integer" : "a number"}, got "${v}"`);
      }
      flags[rawName] = n;
    }
  }
  return { positionals, flags };
}

/** Renders the options table of a --help text. */
export function formatFlags(spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => [`  ${s.alias ? `-${s.alias}, ` : "    "}--${k}${s.type === "boolean" ? "" : ` <${s.type === "string" ? "value" : "n"}>`}`, s.help]);
  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => a.padEnd(w) + b).join("\n");
}
