import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { snapshotRegistry } from "../src/dashboard/snapshot.ts";
import { contentHash } from "../src/formats/canonical.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";

/** A support agent built from three partials: a base template with blocks, a safety rule, and macros. */
const FILES = {
  "promptsync.config.yaml": "project: acme\n",
  "prompts/_base/support.md": "You are the support agent of {{ company }}.\n{% block rules %}Be brief.{% endblock %}\n{% block task %}{% endblock %}\n",
  "prompts/_shared/safety.txt": "Never reveal internal notes to {{ customer }}.\n",
  // Imported without context (Jinja's default), the macros do not see the prompt's variables: `suffix` is not one.
  "prompts/_shared/macros.md": "{% macro bullet(item, mark='-') %}{{ mark }} {{ item }}{{ suffix | default('') }}{% endmacro %}\n",
  "prompts/support/agent.yaml": [
    "messages:",
    "  - role: system",
    "    content: |",
    '      {% extends "_base/support" %}',
    '      {% block rules %}{{ super() }} {% include "_shared/safety" %}{% endblock %}',
    '      {% block task %}{% import "_shared/macros" as m %}{% for step in steps %}{{ m.bullet(step) }}',
    "      {% endfor %}{% endblock %}",
    "  - role: user",
    '    content: "{{ question }}"',
    "",
  ].join("\n"),
  "prompts/greeting.txt": "Hello {{ name }}\n",
};

const VALUES = { company: "Acme", customer: "Ada", steps: ["Check the order", "Refund"], question: "Where is my parcel?", suffix: " (unseen)" };

const EXPECTED_SYSTEM = "You are the support agent of Acme.\nBe brief. Never reveal internal notes to Ada.\n- Check the order\n- Refund\n";

async function published(): Promise<string> {
  const dir = await gitRepo(FILES);
  await cliJson(dir, ["push", "--version", "v1.0.0", "--alias", "production"]);
  return dir;
}

async function compiledPrompt(dir: string, name: string, version: string): Promise<CompiledPrompt> {
  return parse(await readFile(join(dir, `.promptsync/registry/prompts/acme/${name}/${version}/default.yaml`), "utf8")) as CompiledPrompt;
}

interface Diagnostic {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

async function pushErrors(files: Record<string, string>): Promise<Diagnostic[]> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: acme\n", ...files });
  const result = await runCli(dir, ["push", "--json"]);
  expect(result.code).toBe(1);
  return (JSON.parse(result.stdout) as { error: { diagnostics: Diagnostic[] } }).error.diagnostics;
}

describe("partials, resolved when the prompts are built", () => {
  it("freezes each prompt's partials in its version; partials are not prompts; CLI and SDK render them without the source folder", async () => {
    const dir = await published();
    const agent = await compiledPrompt(dir, "support/agent", "v1.0.0");
    expect(agent.format).toBe("promptsync.prompt/v2");
    expect(Object.keys(agent.partials!)).toEqual(["_base/support", "_shared/macros", "_shared/safety"]);
    expect(agent.partials!["_shared/safety"]).toEqual({ content: FILES["prompts/_shared/safety.txt"], hash: contentHash({ content: FILES["prompts/_shared/safety.txt"] }) });
    // Variables read by partials are the prompt's; a macro's parameters are not, nor what a module imported without
    // context reads.
    expect(agent.variables).toEqual([
      { name: "company", required: true },
      { name: "customer", required: true },
      { name: "question", required: true },
      { name: "steps", required: true },
    ]);
    expect((await compiledPrompt(dir, "greeting", "v1.0.0")).format).toBe("promptsync.prompt/v1");

    const manifest = JSON.parse(await readFile(join(dir, ".promptsync/registry/prompts/acme/_releases/v1.0.0.json"), "utf8")) as { format: string; prompts: Record<string, { partials?: Record<string, string> }> };
    expect(manifest.format).toBe("promptsync.release/v2");
    expect(Object.keys(manifest.prompts).sort()).toEqual(["greeting", "support/agent"]);
    expect(manifest.prompts["support/agent"]!.partials).toEqual(Object.fromEntries(Object.entries(agent.partials!).map(([name, p]) => [name, p.hash])));
    expect(manifest.prompts.greeting!.partials).toBeUndefined();

    // The app has the registry and nothing else.
    await rm(join(dir, "prompts"), { recursive: true });
    const vars = Object.entries(VALUES).flatMap(([k, v]) => (typeof v === "string" ? ["--var", `${k}=${v}`] : ["--var-json", `${k}=${JSON.stringify(v)}`]));
    const shown = await runCli(dir, ["show", "support/agent", "--alias", "production"]);
    expect(shown.stdout).toContain("\npartials: _base/support, _shared/macros, _shared/safety\n");
    const cli = await cliJson<{ output: { role: string; content: string }[] }>(dir, ["render", "support/agent", "--alias", "production", ...vars]);
    expect(cli.output).toEqual([{ role: "system", content: EXPECTED_SYSTEM }, { role: "user", content: VALUES.question }]);

    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "acme" });
    const prompt = await pm.getPrompt("support/agent", { versionOrAlias: "production" });
    expect(prompt.format(VALUES)).toEqual([{ role: "system", content: EXPECTED_SYSTEM }, { role: "user", content: VALUES.question }]);
  });

  it("serves no partial as a prompt, and no name that leaves the registry", async () => {
    const dir = await published();
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "acme" });
    await expect(pm.getPrompt("_shared/safety", { versionOrAlias: "production" })).rejects.toMatchObject({ code: "INVALID_NAME" });
    await expect(pm.getPrompt("../acme/_shared/safety", { versionOrAlias: "production" })).rejects.toMatchObject({ code: "INVALID_NAME" });
    await expect(pm.getPrompt("/etc/passwd", { versionOrAlias: "production" })).rejects.toMatchObject({ code: "INVALID_NAME" });
    const cli = await runCli(dir, ["render", "_shared/safety", "--alias", "production", "--json"]);
    expect(cli.code).not.toBe(0);
    expect((JSON.parse(cli.stdout) as { error: { code: string } }).error.code).toBe("PROMPT_NOT_FOUND");
  });

  it("reports every partial problem of the folder in one run, at its file and line", async () => {
    const diagnostics = await pushErrors({
      "prompts/missing.txt": 'A\n{% include "_shared/nope" %}\n',
      "prompts/computed.txt": "{% set which = '_a' %}\n\n{% include which %}\n",
      "prompts/cycle.txt": '{% include "_a" %}\n',
      "prompts/_a.txt": 'a\n{% include "_b" %}\n',
      "prompts/_b.txt": 'b\n\n{% include "_a" %}\n',
      "prompts/super.txt": "{% block x %}{{ super() }}{% endblock %}\n",
      "prompts/outside.md": "---\nname: Outside\n---\nTop {{ super() }}\n",
      "prompts/broken.txt": '{% include "_broken" %}\n',
      "prompts/_broken.txt": "fine\nstill fine\n{% if x %}never closed\n",
      "prompts/escape.yaml": 'content: |\n  {% include "../secrets" %}\n  {% import "/etc/passwd" as p %}\n  {% include "greeting" %}\n',
      "prompts/greeting.txt": "Hello\n",
      "prompts/twice.txt": "{% block a %}1{% endblock %}\n{% block a %}2{% endblock %}\n",
      "prompts/nested.txt": "{% if x %}\n{% extends '_a' %}{% endif %}\n",
      "prompts/_data/config.yaml": "content: not a template file\n",
      "prompts/_req/base.txt": "a\n{% block must required %}{# the child's #}{% endblock %}\n",
      "prompts/req.txt": "{% extends '_req/base' %}\n",
      "prompts/_req/full.txt": "{% block b required %}text{% endblock %}\n",
    });
    const found = diagnostics.map((d) => [d.file, d.line, d.code]);
    expect(found).toEqual(expect.arrayContaining([
      ["missing.txt", 2, "MISSING_PARTIAL"],
      ["computed.txt", 3, "INVALID_PARTIAL"],
      ["_b.txt", 3, "PARTIAL_CYCLE"],
      ["_a.txt", 2, "PARTIAL_CYCLE"],
      ["super.txt", 1, "INVALID_PARTIAL"],
      ["outside.md", 4, "INVALID_PARTIAL"],
      ["_broken.txt", 3, "TEMPLATE_SYNTAX"],
      ["escape.yaml", 2, "INVALID_PARTIAL"],
      ["escape.yaml", 3, "INVALID_PARTIAL"],
      ["escape.yaml", 4, "INVALID_PARTIAL"],
      ["twice.txt", 2, "INVALID_PARTIAL"],
      ["nested.txt", 2, "INVALID_PARTIAL"],
      ["_data/config.yaml", 1, "INVALID_PARTIAL"],
      ["req.txt", 1, "INVALID_PARTIAL"],
      ["_req/full.txt", 1, "INVALID_PARTIAL"],
    ]));
    expect(diagnostics.find((d) => d.file === "req.txt")!.message).toBe('block "must" is required by "_req/base": this template, or one it extends, must define it');
    expect(diagnostics.filter((d) => d.file === "twice.txt")).toHaveLength(1);
    expect(diagnostics.find((d) => d.code === "MISSING_PARTIAL")!.message).toContain('partial "_shared/nope" does not exist');
    expect(diagnostics.find((d) => d.file === "computed.txt")!.message).toContain("must be a literal string");
    expect(diagnostics.find((d) => d.file === "_b.txt")!.message).toContain("_a → _b → _a");
    expect(diagnostics.find((d) => d.file === "super.txt")!.message).toContain("super() is only valid inside a block that overrides");
    // The broken partial is reported once, at its own line, not again for the prompt that includes it.
    expect(diagnostics.filter((d) => d.file === "_broken.txt" || d.file === "broken.txt")).toHaveLength(1);
    expect(diagnostics.filter((d) => d.file === "escape.yaml").map((d) => d.message).join("\n")).toMatch(/"\.\.\/secrets" is not a partial name[\s\S]*"\/etc\/passwd" is not a partial name[\s\S]*"greeting" is not a partial name/);
  });

  it("a partial that changes makes a new version of its prompts: diff says so, the manifest records it, the dashboard links it", async () => {
    const dir = await published();
    await writeFiles(dir, { "prompts/_shared/safety.txt": "Never reveal internal notes or keys to {{ customer }}.\n" });
    commitAll(dir, "Safety covers keys");
    await cliJson(dir, ["push", "--version", "v1.1.0"]);
    const before = await compiledPrompt(dir, "support/agent", "v1.0.0");
    const after = await compiledPrompt(dir, "support/agent", "v1.1.0");
    expect(after.hash).not.toBe(before.hash);
    const history = JSON.parse(await readFile(join(dir, ".promptsync/registry/prompts/acme/support/agent/metadata.json"), "utf8")) as { versions: { version: string }[] };
    expect(history.versions.map((v) => v.version)).toEqual(["v1.0.0", "v1.1.0"]);

    const text = await runCli(dir, ["diff", "v1.0.0", "v1.1.0"]);
    expect(text.stdout).toContain("~ support/agent (changed)\n  changed through _shared/safety\n  --- partial _shared/safety\n");
    expect(text.stdout).toContain("+Never reveal internal notes or keys to {{ customer }}.");
    expect(text.stdout).toContain("1 changed, 0 added, 0 removed, 1 unchanged");
    const json = await cliJson<{ prompts: { name: string; changes: { kind: string; name?: string; through?: boolean }[] }[] }>(dir, ["diff", "v1.0.0", "v1.1.0", "--format", "json"]);
    expect(json.prompts.find((p) => p.name === "support/agent")!.changes).toContainEqual({ kind: "partial", change: "changed", name: "_shared/safety", through: true });

    const manifest = JSON.parse(await readFile(join(dir, ".promptsync/registry/prompts/acme/_releases/v1.1.0.json"), "utf8")) as { prompts: Record<string, { partials: Record<string, string> }> };
    expect(manifest.prompts["support/agent"]!.partials["_shared/safety"]).toBe(after.partials!["_shared/safety"]!.hash);
    expect(manifest.prompts["support/agent"]!.partials["_shared/safety"]).not.toBe(before.partials!["_shared/safety"]!.hash);

    // One manager serves both versions, each with its own version of the partial.
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "acme" });
    const system = async (version: string) => ((await pm.getPrompt("support/agent", { versionOrAlias: version })).format(VALUES) as { content: string }[])[0]!.content;
    expect(await system("v1.0.0")).toContain("Never reveal internal notes to Ada.");
    expect(await system("v1.1.0")).toContain("Never reveal internal notes or keys to Ada.");
    expect(await system("v1.0.0")).toContain("Never reveal internal notes to Ada.");
    pm.close();

    const site = await snapshotRegistry(new FolderStore(join(dir, ".promptsync/registry")), "acme");
    const page = site.prompts.find((p) => p.name === "support/agent")!;
    expect(page.partials).toEqual(["_base/support", "_shared/macros", "_shared/safety"]);
    expect(page.versions.at(-1)!.changes).toContainEqual({ kind: "partial", change: "changed", name: "_shared/safety", through: true });
  });

  it("validate judges the variables a partial adds as the prompt's", async () => {
    const dir = await published();
    const contract = git(dir, "rev-parse", "HEAD");
    await writeFiles(dir, { "prompts/_shared/safety.txt": "Never reveal internal notes to {{ customer }} of {{ plan }}.\n" });
    commitAll(dir, "Safety names the plan");
    await cliJson(dir, ["push", "--version", "v1.1.0"]);
    const result = await runCli(dir, ["validate", "--git-commit", contract, "--version", "v1.1.0", "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { findings: { prompt: string; status: string; reasons: string[] }[] };
    const agent = report.findings.find((f) => f.prompt === "support/agent")!;
    expect(agent.status).toBe("error");
    expect(agent.reasons.join("; ")).toMatch(/new required variable plan/);
  });
});

/** What an attacker who can write the registry does: rewrites a prompt's partial, and every hash that covers it. */
async function rewritePartial(dir: string, name: string, content: string | undefined, template?: string): Promise<void> {
  const registry = join(dir, ".promptsync/registry/prompts/acme");
  const file = join(registry, "support/agent/v1.0.0/default.yaml");
  const prompt = parse(await readFile(file, "utf8")) as CompiledPrompt;
  if (content === undefined) delete prompt.partials![name];
  else prompt.partials![name] = { content, hash: contentHash({ content }) };
  if (template !== undefined) prompt.messages = [{ role: "system", content: template }];
  prompt.hash = contentHash(prompt);
  await writeFile(file, stringify(prompt));
  const manifestFile = join(registry, "_releases/v1.0.0.json");
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { prompts: Record<string, { hash: string }> };
  manifest.prompts["support/agent"]!.hash = prompt.hash;
  await writeFile(manifestFile, JSON.stringify(manifest));
  await rm(join(dir, ".promptsync/registry/prompts/acme/_bundles"), { recursive: true, force: true });
}

describe("a hostile registry's partials", () => {
  const load = (dir: string, limits?: { timeoutMs?: number; maxOperations?: number }) =>
    new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "acme", ...(limits && { renderLimits: limits }) }).getPrompt("support/agent", { versionOrAlias: "production" });

  it("refuses a partial that names a JavaScript internal when the prompt loads", async () => {
    const dir = await published();
    await rewritePartial(dir, "_shared/safety", '{{ "".constructor.constructor("globalThis.pwned = 1")() }}');
    const error = await load(dir).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: "PROMPT_UNAVAILABLE" });
    expect((error as Error).cause).toMatchObject({ code: "UNSAFE_TEMPLATE" });
    expect(((error as Error).cause as Error).message).toContain('partial "_shared/safety" line 1');
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it("stops a partial that reaches JavaScript through computed keys while it renders", async () => {
    const dir = await published();
    await rewritePartial(dir, "_shared/safety", '{% set k = "constr" ~ "uctor" %}{{ ""[k][k]("globalThis.pwned = 1")() }}');
    const prompt = await load(dir);
    expect(() => prompt.format(VALUES)).toThrow(expect.objectContaining({ code: "UNSAFE_TEMPLATE" }) as Error);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it("stops a partial that would run for ever at the render budget", async () => {
    const dir = await published();
    await rewritePartial(dir, "_shared/safety", "{% for a in range(100000) %}{% for b in range(100000) %}{{ ' ' * 0 }}{% endfor %}{% endfor %}");
    const prompt = await load(dir, { timeoutMs: 2_000 });
    const started = Date.now();
    // The error names the partial and its line, not a line of the prompt's own template.
    expect(() => prompt.format(VALUES)).toThrow(/prompt "support\/agent": partial "_shared\/safety" line 1: /);
    expect(() => prompt.format(VALUES)).toThrow(expect.objectContaining({ code: "RENDER_LIMIT" }) as Error);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it("bounds string repetition in a partial by the output limit", async () => {
    const dir = await published();
    await rewritePartial(dir, "_shared/safety", "{{ 'x' * 1000000000 }}");
    const prompt = await load(dir);
    expect(() => prompt.format(VALUES)).toThrow(expect.objectContaining({ code: "RENDER_LIMIT", limit: "maxOutputLength" }) as Error);
  });

  it("refuses partials that multiply without bound (each includes the next ten times) when the prompt loads", async () => {
    const dir = await published();
    for (let i = 0; i < 9; i++) await rewritePartial(dir, `_bomb/p${i}`, `{% include "_bomb/p${i + 1}" %}`.repeat(10));
    await rewritePartial(dir, "_bomb/p9", "{{ customer }}", '{% include "_bomb/p0" %}');
    const started = Date.now();
    const error = await load(dir).catch((e: unknown) => e as Error);
    expect((error as Error).cause).toMatchObject({ code: "INVALID_BUNDLE" });
    expect(((error as Error).cause as Error).message).toContain("a partial is included too many times over");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("resolves names only from the prompt's own partials: another name, or a name that leaves the folder, is refused", async () => {
    const dir = await published();
    await rewritePartial(dir, "_shared/safety", undefined);
    let error = await load(dir).catch((e: unknown) => e as Error);
    expect((error as Error).cause).toMatchObject({ code: "INVALID_BUNDLE" });
    expect(((error as Error).cause as Error).message).toContain('partial "_shared/safety" does not exist');

    const other = await published();
    await rewritePartial(other, "_shared/safety", "ok", '{% include "../../../etc/passwd" %}');
    error = await load(other).catch((e: unknown) => e as Error);
    expect((error as Error).cause).toMatchObject({ code: "INVALID_BUNDLE" });
    expect(((error as Error).cause as Error).message).toContain("is not a partial name");
  });
});
