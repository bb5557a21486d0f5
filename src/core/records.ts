/**
 * Records keyed by names that come from files (safetensors keys, state-dict keys, ONNX
 * names). Plain `obj[name] = v` treats "__proto__" as the prototype setter, and
 * `obj[name]` / `name in obj` find "constructor" or "toString" on Object.prototype;
 * these helpers only ever see own properties.
 */

/** Sets `rec[key] = value` as an own enumerable property, whatever the key ("__proto__" included). */
export function setOwn<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `rec[key]` when `key` is an own property, else undefined (never an inherited member). */
export function getOwn<T>(rec: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
