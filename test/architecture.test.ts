import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The import rules of docs/architecture.md, read from the sources themselves: every .ts, .mjs and .astro file
 * (an .astro file's frontmatter and <script> blocks) of the folders below and the repository's root, and in each
 * every import and re-export, `import()` and `import("…")` type.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

type Layer = "src" | "sdk" | "cli" | "site" | "test" | "scripts" | "root";
const FOLDERS: readonly Layer[] = ["src", "sdk", "cli", "site", "test", "scripts"];
const EVERY_LAYER: readonly Layer[] = [...FOLDERS, "root"];

/**
 * Which layers a layer's files may import by relative path. src/ is the core and imports only itself; the SDK and
 * the CLI are built on it and never on each other; the dashboard (site/) reads the core's views and nothing of the
 * SDK or CLI; nothing imports the CLI but the CLI, tests and scripts; tests and scripts may import anything.
 */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  src: ["src"],
  sdk: ["sdk", "src"],
  cli: ["cli", "src"],
  site: ["site", "src"],
  test: EVERY_LAYER,
  scripts: EVERY_LAYER,
  root: EVERY_LAYER.filter((layer) => layer !== "cli"),
};

/**
 * The src/ modules site/ may import by relative path: none. The pages reach the library only through the two
 * modules the site build gives them, virtual:promptsync/view (src/dashboard/view.ts) and virtual:promptsync/site-data;
 * test/site-boundary.test.ts checks that list. Keep this one as short as what is true.
 */
const SITE_SRC_MODULES: readonly string[] = [];

/**
 * Packages the SDK never loads statically: the S3 client, the CLI's parser, the schema validator (the SDK runs
 * generated validators), Astro, and the YAML and diff libraries. `import()` of them (or of a module that imports
 * them) is allowed: test/sdk-imports.test.ts checks what the built package really loads.
 */
const SDK_NEVER_IMPORTS = ["@aws-sdk", "commander", "ajv", "astro", "yaml", "diff"];
/**
 * The one of them the SDK reaches through src/: registry objects are YAML (src/formats/codec.ts decodes the
 * bundles the SDK reads) and so is the project's config file (src/project/config.ts). No sdk/ file imports it.
 */
const SDK_REACHES_THROUGH_SRC = new Set(["yaml"]);

interface Import {
  /** The importing file, relative to the repository, with forward slashes. */
  from: string;
  specifier: string;
  /** The imported file, for a relative specifier. */
  target: string | undefined;
  /** `import type` and `export type … from`, and import("…") types: erased, never loaded. */
  typeOnly: boolean;
  dynamic: boolean;
}

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = posix.join(dir, entry.name);
      // Not sources of ours: installed packages, tools' caches (.astro, .promptsync), generated validators.
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && entry.name !== "node_modules" && path !== "src/generated") walk(path);
      } else if (/\.(ts|mts|mjs|astro)$/.test(entry.name)) files.push(path);
    }
  };
  for (const folder of FOLDERS) if (existsSync(join(ROOT, folder))) walk(folder);
  for (const entry of readdirSync(ROOT, { withFileTypes: true })) if (entry.isFile() && /\.(ts|mts|mjs)$/.test(entry.name)) files.push(entry.name);
  return files.sort();
}

/** The code of a file: an .astro file's frontmatter and client scripts. */
function codeOf(file: string): string {
  const text = readFileSync(join(ROOT, file), "utf8");
  if (!file.endsWith(".astro")) return text;
  const parts = [/^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? ""];
  for (const match of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) parts.push(match[1]!);
  return parts.join("\n");
}

const nonLiteral: string[] = [];

function importsOf(file: string): Import[] {
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, dynamic: boolean) => {
    const target = specifier.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(sep).join("/") : undefined;
    found.push({ from: file, specifier, target, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly, false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const argument = node.arguments[0];
      if (argument && ts.isStringLiteralLike(argument)) add(argument.text, false, true);
      else nonLiteral.push(file);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true, false);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, node.isTypeOnly, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, codeOf(file), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  return found;
}

function layerOf(path: string): Layer {
  const top = path.split("/")[0] as Layer;
  return FOLDERS.includes(top) ? top : "root";
}

/** `@aws-sdk/client-s3/dist` → `@aws-sdk/client-s3`, `yaml/util` → `yaml`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function isForbidden(specifier: string, forbidden: readonly string[]): boolean {
  const name = packageOf(specifier);
  return forbidden.some((f) => name === f || name.startsWith(`${f}/`));
}

const files = sourceFiles();
const imports = files.flatMap(importsOf);
const shown = (i: Import) => `${i.from} → ${i.specifier}${i.dynamic ? " (import())" : ""}`;

describe("architecture: which folder imports which", () => {
  it("finds the sources: the four parts and their tests", () => {
    for (const file of ["src/errors.ts", "sdk/index.ts", "cli/main.ts", "test/architecture.test.ts"]) expect(files).toContain(file);
    expect(files.some((f) => f.startsWith("site/") && f.endsWith(".astro"))).toBe(true);
    expect(imports.filter((i) => i.target?.startsWith("src/")).length).toBeGreaterThan(100);
  });

  it("every relative import names a file that exists", () => {
    expect(imports.filter((i) => i.target !== undefined && !existsSync(join(ROOT, i.target))).map(shown)).toEqual([]);
  });

  it("every import() outside test/ and scripts/ names its module literally, so these rules see it", () => {
    expect(nonLiteral.filter((f) => !["test", "scripts"].includes(layerOf(f)))).toEqual([]);
  });

  it("src/ imports only src/; sdk/ imports src/ and sdk/; cli/ imports src/ and cli/; site/ never imports cli/ or sdk/; nothing imports cli/ but cli/, test/ and scripts/", () => {
    const crossing = imports.filter((i) => i.target !== undefined && !MAY_IMPORT[layerOf(i.from)].includes(layerOf(i.target)));
    expect(crossing.map(shown)).toEqual([]);
  });

  it("site/ imports from src/ only the modules SITE_SRC_MODULES lists", () => {
    const used = imports.filter((i) => layerOf(i.from) === "site" && i.target && layerOf(i.target) === "src");
    expect(used.filter((i) => !SITE_SRC_MODULES.includes(i.target!)).map(shown)).toEqual([]);
  });

  it("no import cycles among src/ modules (type-only imports included)", () => {
    const graph = new Map<string, string[]>();
    for (const i of imports) {
      if (layerOf(i.from) !== "src" || !i.target || layerOf(i.target) !== "src") continue;
      graph.set(i.from, [...(graph.get(i.from) ?? []), i.target]);
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (module: string) => {
      state.set(module, "open");
      path.push(module);
      for (const next of graph.get(module) ?? []) {
        if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].join(" → "));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(module, "done");
    };
    for (const module of [...graph.keys()].sort()) if (!state.has(module)) visit(module);
    expect(cycles).toEqual([]);
  });
});

describe("architecture: what the SDK loads", () => {
  const sdkFiles = files.filter((f) => layerOf(f) === "sdk");
  const loaded = (i: Import) => !i.typeOnly && !i.dynamic;

  it(`no sdk/ file statically imports ${SDK_NEVER_IMPORTS.join(", ")} (import() allowed)`, () => {
    const direct = imports.filter((i) => layerOf(i.from) === "sdk" && loaded(i) && isForbidden(i.specifier, SDK_NEVER_IMPORTS));
    expect(direct.map(shown)).toEqual([]);
  });

  it("nor does any src/ module an sdk/ file statically reaches, but for YAML (SDK_REACHES_THROUGH_SRC)", () => {
    const forbidden = SDK_NEVER_IMPORTS.filter((p) => !SDK_REACHES_THROUGH_SRC.has(p));
    const reached = new Set<string>();
    const queue = [...sdkFiles];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const i of imports) if (i.from === file && loaded(i) && i.target) queue.push(i.target);
    }
    const offending = imports.filter((i) => reached.has(i.from) && loaded(i) && isForbidden(i.specifier, forbidden));
    expect(offending.map(shown)).toEqual([]);
    // The exception is still needed: when it is not, drop it.
    expect(imports.filter((i) => reached.has(i.from) && loaded(i) && [...SDK_REACHES_THROUGH_SRC].includes(packageOf(i.specifier))).length).toBeGreaterThan(0);
  });
});
