// The registry's codec: JSON (json-codec.ts, re-exported) and YAML, for compiled prompts and variant files.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify as stringifyYaml, type Document } from "yaml";
import { sortKeys } from "./canonical.ts";
import { InvalidBundleError } from "../errors.ts";
import { checked, text } from "./json-codec.ts";
import type { Validation } from "./schema-validation.ts";

export { decodeJson, encodeJson, encodeJsonLine, verifyPromptHash, variantFile } from "./json-codec.ts";

const encoder = new TextEncoder();

/** Compiled prompts and variants: YAML with sorted keys and literal blocks, byte-identical for identical input. */
export function encodeYaml(value: unknown): Uint8Array {
  return encoder.encode(stringifyYaml(sortKeys(value), { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false }));
}

export function decodeYaml<T>(body: Uint8Array, key: string, validate: (v: unknown) => Validation<T>): T {
  let value: unknown;
  try {
    value = parseYaml(text(body, key));
  } catch (error) {
    if (error instanceof InvalidBundleError) throw error;
    throw new InvalidBundleError(key, `malformed YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  return checked(value, key, validate);
}

/**
 * yaml's parse(), duplicate keys refused as it refuses them, with the same message, but found in one pass with a
 * Set per map: its own check (uniqueKeys: true) compares each key with every earlier key of its map, quadratic in
 * a map's keys (a registry object's free-form `config` of 20,000 keys blocked the event loop for 25 s).
 */
function parseYaml(source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { uniqueKeys: false, lineCounter });
  for (const warning of doc.warnings) process.emitWarning(warning);
  const duplicate = firstDuplicateKey(doc);
  const error = doc.errors[0];
  if (error && (duplicate === undefined || error.pos[0] < duplicate)) throw error;
  if (duplicate !== undefined) {
    const { line, col } = lineCounter.linePos(duplicate);
    throw new Error(`Map keys must be unique at line ${line}, column ${col}:`);
  }
  return doc.toJS();
}

/**
 * The offset of the first key that repeats an earlier key of its map, as yaml compares them (the same node, or
 * scalars of the same value); undefined when none does. Iterative: any depth the parser produced.
 */
function firstDuplicateKey(doc: Document): number | undefined {
  let first: number | undefined;
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isPair(node)) {
      pending.push(node.key, node.value);
    } else if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const k: unknown = pair.key;
        // Distinct key nodes are equal when both are scalars of the same value (===: NaN never is).
        if (isScalar(k) && !Number.isNaN(k.value)) {
          const offset = k.range?.[0];
          if (seen.has(k.value) && offset !== undefined && (first === undefined || offset < first)) first = offset;
          seen.add(k.value);
        }
        pending.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    }
  }
  return first;
}
