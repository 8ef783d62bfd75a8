import { readFileSync } from "node:fs";

let version: string | undefined;

/** The promptsync package's version, read once from its package.json (next to src/ here, above dist/src/ when built). */
export function packageVersion(): string {
  const file = new URL(/\/dist\/(src|cli|sdk)\//.test(import.meta.url) ? "../../package.json" : "../package.json", import.meta.url);
  version ??= (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  return version;
}
