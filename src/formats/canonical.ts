/** Deep copy of a JSON value with object keys sorted, so serialisation is byte-stable across machines. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      // A "__proto__" key (JSON.parse and YAML make it an own key) is defined, not assigned: assigning would set the
      // copy's prototype and leave the key out of the canonical JSON, and so out of every hash and signature.
      if (v === undefined) continue;
      if (key === "__proto__") Object.defineProperty(out, key, { value: sortKeys(v), enumerable: true, writable: true, configurable: true });
      else out[key] = sortKeys(v);
    }
    return out as T;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** node:crypto loads on the first hash: sortKeys and canonicalJson, which encoding pointers needs, do without it. */
export function sha256(text: string | Uint8Array): string {
  return `sha256:${process.getBuiltinModule("node:crypto").createHash("sha256").update(text).digest("hex")}`;
}

/** The content hash of a record: sha256 of its canonical JSON without its own `hash` field. */
export function contentHash(record: object): string {
  const { hash: _ignored, ...rest } = record as { hash?: unknown };
  return sha256(canonicalJson(rest));
}
