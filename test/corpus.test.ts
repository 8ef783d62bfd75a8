import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import type { SetDiff } from "../src/diff/compare.ts";
import { readPromptFolder } from "../src/source/read-folder.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { snapshot } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";
import { requireComponent } from "./helpers/requirements.ts";

const CORPUS = resolve(process.env.PROMPTSYNC_CORPUS_DIR ?? new URL("../../shared/corpus/fabric-patterns", import.meta.url).pathname);
const BRACES = ["sanitize_broken_html_to_markdown.md", "write_nuclei_template_rule.md"];

const available = requireComponent("the fabric-patterns corpus", existsSync(CORPUS), `${CORPUS} does not exist (set PROMPTSYNC_CORPUS_DIR)`);

async function corpusRepo(): Promise<string> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: fabric\n" });
  await cp(CORPUS, join(dir, "prompts"), { recursive: true });
  return dir;
}

describe.runIf(available)("the fabric-patterns corpus (225 real Markdown prompts)", () => {
  it("223 files parse as templates; the two with literal braces are reported with file, line and hint", async () => {
    const files = await readPromptFolder(CORPUS);
    expect(files).toHaveLength(225);
    const result = compilePrompts(files);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => [d.file, d.line, d.code])).toEqual([
      ["sanitize_broken_html_to_markdown.md", 110, "TEMPLATE_SYNTAX"],
      ["write_nuclei_template_rule.md", 33, "TEMPLATE_SYNTAX"],
    ]);
    for (const d of result.diagnostics) expect(d.suggestion).toMatch(/\{% raw %\}.*template: false/);
    const rest = compilePrompts(files.filter((f) => !BRACES.includes(f.path)));
    expect(rest.ok && rest.prompts.length).toBe(223);
  });

  it("push reports both in one run and publishes nothing", async () => {
    const dir = await corpusRepo();
    const result = await runCli(dir, ["push"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("sanitize_broken_html_to_markdown.md:110:");
    expect(result.stderr).toContain("write_nuclei_template_rule.md:33:");
    expect(result.stderr).toContain("{% raw %}");
    expect(await snapshot(join(dir, ".promptsync"))).toEqual({});
  });

  it("with the two marked as plain prompts, the whole corpus pushes in one command and every prompt renders", async () => {
    const dir = await corpusRepo();
    for (const file of BRACES) {
      const path = join(dir, "prompts", file);
      await writeFile(path, `---\ntemplate: false\n---\n${await readFile(path, "utf8")}`);
    }
    const push = await cliJson<{ version: string; prompts: unknown[] }>(dir, ["push", "--alias", "production"]);
    expect(push.prompts).toHaveLength(225);

    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "fabric" });
    const names = (await readPromptFolder(join(dir, "prompts"))).map((f) => f.path.replace(/\.md$/, ""));
    let withVariables = 0;
    for (const name of names) {
      const prompt = await pm.getPrompt(name);
      const values = Object.fromEntries(prompt.variables.map((v) => [v.name, `<${v.name}>`]));
      if (prompt.variables.length > 0) withVariables++;
      const text = prompt.formatText(values);
      expect(text.length).toBeGreaterThan(0);
      for (const v of prompt.variables) expect(text).toContain(`<${v.name}>`);
    }
    expect(withVariables).toBeGreaterThan(0);
    const nuclei = await pm.getPrompt("write_nuclei_template_rule");
    expect(nuclei.formatText()).toContain("{{BaseURL}}");
  });

  it("diff and validate between two versions where 10 prompts changed list exactly those 10", { timeout: 60_000 }, async () => {
    const dir = await corpusRepo();
    for (const file of BRACES) {
      const path = join(dir, "prompts", file);
      await writeFile(path, `---\ntemplate: false\n---\n${await readFile(path, "utf8")}`);
    }
    commitAll(dir, "Mark the two plain prompts");
    const before = git(dir, "rev-parse", "HEAD");
    await cliJson(dir, ["push", "--version", "v1.0.0"]);
    const names = (await readPromptFolder(join(dir, "prompts"))).map((f) => f.path).filter((p) => !BRACES.includes(p));
    const edited = names.filter((_, i) => i % 20 === 3).slice(0, 10);
    for (const file of edited) {
      const path = join(dir, "prompts", file);
      await writeFile(path, `${await readFile(path, "utf8")}\nAnswer in {{ language | default("English") }}.\n`);
    }
    commitAll(dir, "Ten prompts learn a language");
    await cliJson(dir, ["push", "--version", "v1.1.0"]);

    const diff = await cliJson<SetDiff>(dir, ["diff", "--version", "v1.0.0", "--version", "v1.1.0"]);
    expect(diff.prompts.filter((p) => p.status === "changed").map((p) => `${p.name}.md`)).toEqual(edited.sort());
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 10, unchanged: 215 });
    const report = await cliJson<{ compatible: boolean; findings: { status: string }[] }>(dir, ["validate", "--git-commit", before, "--version", "v1.1.0"]);
    expect(report.compatible).toBe(true);
    expect(report.findings).toHaveLength(225);
  });
});
