// The registry's codec: JSON (json-codec.ts, re-exported) and YAML, for compiled prompts and variant files.
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
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
