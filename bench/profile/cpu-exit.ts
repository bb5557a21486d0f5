/**
 * Preload (`--import ./bench/profile/cpu-exit.ts`) for scripts we only run, not edit
 * (bench/lstm-step.ts, bench/transformer-step.ts): prints the process's total CPU ms at exit.
 */
process.on("exit", () => {
  const c = process.cpuUsage();
  console.log(`process CPU ms: ${((c.user + c.system) / 1000).toFixed(0)}`);
});
