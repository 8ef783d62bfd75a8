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
