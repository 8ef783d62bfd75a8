import { readFileSync } from "node:fs";

let version: string | undefined;

/**
 * The package's top folder, where package.json and site/ are: above src/ in the repository, above dist/src/,
 * dist/sdk/ or dist/cli/ (the bundled CLI, whose chunks hold this module) when built.
 */
export function packageRoot(): URL {
  return new URL(/\/dist\/(src|cli|sdk)\//.test(import.meta.url) ? "../../" : "../", import.meta.url);
}

/** The promptsync package's version, read once from its package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL("package.json", packageRoot()), "utf8")) as { version: string }).version;
  return version;
}
