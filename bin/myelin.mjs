#!/usr/bin/env node
// Entry point of the `myelin` command (package bin); the CLI lives in src/cli/main.ts.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
