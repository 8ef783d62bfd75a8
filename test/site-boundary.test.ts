import { existsSync } from "node:fs";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { buildSite } from "../src/dashboard/build.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { snapshot, tempDir } from "./helpers/fs.ts";

const SITE_SRC = fileURLToPath(new URL("../site/src/", import.meta.url));
/** What the pages may import besides their own files: Astro, and the three modules `site build` gives them. */
const ALLOWED = [/^astro(\/|$)/, /^virtual:promptsync\/(view|compare|site-data)$/];
/** `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")`. */
const IMPORT = /^\s*(?:import|export)\s[^"'`;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

async function registry(): Promise<FolderStore> {
  const store = new FolderStore(join(await tempDir(), "registry"));
  const compiled = compilePrompts([{ path: "greet.txt", text: "Hello {{ name }}\n" }]);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  await pushRelease(store, { project: "shop", prompts: compiled.prompts, now: new Date() });
  return store;
}

/** A copy of site/, to build from and to check nothing is written into. */
async function siteCopy(): Promise<string> {
  const site = await tempDir("promptsync-site-copy-");
  await cp(SITE_SRC, join(site, "src"), { recursive: true });
  return site;
}

describe("the dashboard's boundary", () => {
  it("site/src imports only its own files, Astro, and virtual:promptsync/view, compare and site-data (never src/ by path)", async () => {
    const files = (await readdir(SITE_SRC, { recursive: true })).filter((f) => /\.(ts|astro)$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const outside: string[] = [];
    let imports = 0;
    for (const file of files) {
      const text = await readFile(join(SITE_SRC, file), "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match.slice(1).find((s) => s !== undefined)!;
        imports++;
        const inside = specifier.startsWith(".") ? !relative(SITE_SRC, resolve(dirname(join(SITE_SRC, file)), specifier)).startsWith("..") : ALLOWED.some((re) => re.test(specifier));
        if (!inside) outside.push(`${file}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
    expect(imports).toBeGreaterThan(30);
  });

  it("site build reads the site folder and writes only its output: the snapshot reaches the pages", async () => {
    const site = await siteCopy();
    const before = await snapshot(site);
    const out = join(await tempDir(), "out");
    const result = await buildSite({ reader: await registry(), project: "shop", siteDir: site, outDir: out });
    expect(result).toEqual({ outDir: out, prompts: 1, versions: 1 });
    expect(await snapshot(site)).toEqual(before);
    // Astro writes its prerender bundle below the working directory when the output is outside it: not this one.
    expect(existsSync(join(process.cwd(), ".astro"))).toBe(false);
    const library = await readFile(join(out, "index.html"), "utf8");
    expect(library).toMatch(/class="project"[^>]*>shop<\/span>/);
    expect(library).toContain("1 prompt, 1 version, ");
    expect(existsSync(join(out, "prompts", "greet", "index.html"))).toBe(true);
  });

  it("a page that fails fails the build with the page's error, and the previous site stays", async () => {
    const site = await siteCopy();
    await writeFile(join(site, "src", "pages", "broken.astro"), "---\nthrow new Error(\"this page is broken\");\n---\n<p>never</p>\n");
    const out = await tempDir();
    await writeFile(join(out, "index.html"), "the previous site");
    await expect(buildSite({ reader: await registry(), project: "shop", siteDir: site, outDir: out })).rejects.toThrow(
      /The dashboard's Astro build failed: .*this page is broken/s,
    );
    expect(await readFile(join(out, "index.html"), "utf8")).toBe("the previous site");
    expect(await readdir(out)).toEqual(["index.html"]);
  });
});
