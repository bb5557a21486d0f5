/**
 * A worker_threads entry for a TypeScript module under test: registers tsx in the
 * worker (the parent's loader hooks do not reach a worker's entry module) and then
 * imports the module, whose top level sees `isMainThread === false`.
 */
export function tsWorkerUrl(moduleUrl: string): URL {
  const code = `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register(); await import(${JSON.stringify(moduleUrl)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
