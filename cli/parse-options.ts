import { readFile } from "node:fs/promises";
import { UsageError } from "../src/errors.ts";
import type { Tags } from "../src/formats/types.ts";

/** `locale=cn,tone=friendly` → { locale: "cn", tone: "friendly" }. */
export function parseTags(text: string | undefined): Tags | undefined {
  if (text === undefined) return undefined;
  const tags: Tags = {};
  for (const pair of text.split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--tags: "${pair}" is not key=value`, "Write tags as --tags locale=cn,tone=friendly.");
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return tags;
}

/** Commander collector for repeatable `--var k=v`. */
export function collectVar(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new UsageError(`--var: "${pair}" is not name=value`, "Write variables as --var customer_name=John.");
  return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

/**
 * Commander collector for repeatable `--var-json k=<json>`: the value is JSON (a list, a dict, a number, true,
 * false, null or a quoted string), for templates that need more than text. `--var` stays text, always.
 */
export function collectVarJson(pair: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new UsageError(`--var-json: "${pair}" is not name=json`, `Write JSON variables as --var-json 'keywords=["a","b"]'.`);
  const name = pair.slice(0, eq);
  let value: unknown;
  try {
    value = JSON.parse(pair.slice(eq + 1));
  } catch (error) {
    throw new UsageError(
      `--var-json ${name}: the value is not JSON (${(error as Error).message})`,
      `Quote it for the shell and write strings in double quotes: --var-json '${name}=["a","b"]', --var-json '${name}="text"'; or pass text with --var ${name}=….`,
    );
  }
  return { ...previous, [name]: value };
}

/** A `--var` value that reads as a JSON list or dict, which a template would see as text: for a hint toward --var-json. */
export function looksLikeJson(value: string): boolean {
  if (!/^\s*[[{]/.test(value)) return false;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === "object";
  } catch {
    return false;
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export async function readVarsFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`--vars-file: cannot read ${path}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`--vars-file: ${path} must hold a JSON object of variables`);
}

/** `--version` and `--alias` name the same thing; at most one. */
export function versionRef(options: { version?: string; alias?: string }): string | undefined {
  if (options.version && options.alias) throw new UsageError("Give --version or --alias, not both");
  return options.version ?? options.alias;
}
