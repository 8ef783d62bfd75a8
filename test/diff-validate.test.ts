import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { comparePromptSets, type SetDiff } from "../src/diff/compare.ts";
import { formatText } from "../src/diff/format.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";
import { rm } from "node:fs/promises";

const GREET = `content: |
  Hello {{ name }}!
variants:
  - tags: {locale: fr}
    content: Bonjour {{ name }}
`;

/** Each step changes the prompt as a developer would, commits, and publishes the commit as the next version. */
const STEPS: { files: Record<string, string | null>; verdict: "ok" | "warning" | "error"; reason?: RegExp }[] = [
  { files: { "prompts/greet.yaml": GREET.replace("Hello {{ name }}!", "Hi there, {{ name }}!") }, verdict: "ok" },
  { files: { "prompts/greet.yaml": GREET.replace("Hello {{ name }}!", "Hello {{ name }} from {{ company }}!") }, verdict: "error", reason: /new required variable company/ },
  { files: { "prompts/greet.yaml": GREET.replace("Hello {{ name }}!", "Hello {{ name }} from {{ company | default('us') }}!") }, verdict: "ok" },
  { files: { "prompts/greet.yaml": GREET.replace("Hello {{ name }}!", "Hello!").replace("Bonjour {{ name }}", "Bonjour") }, verdict: "warning", reason: /no longer reads name/ },
  { files: { "prompts/greet.yaml": "content: Hello {{ name }}!\n" }, verdict: "warning", reason: /variant locale=fr is gone/ },
  { files: { "prompts/greet.yaml": `${GREET}  - tags: {locale: de}\n    content: Hallo {{ name }}\n` }, verdict: "ok" },
  { files: { "prompts/greet.yaml": "messages:\n  - {role: user, content: 'Hello {{ name }}!'}\n" }, verdict: "error", reason: /kind changed from text to chat/ },
  { files: { "prompts/greet.yaml": null }, verdict: "error", reason: /no such prompt/ },
];

async function history(): Promise<{ dir: string; contract: string }> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: app\n", "prompts/greet.yaml": GREET, "prompts/other.txt": "Other {{ x }}\n" });
  const contract = git(dir, "rev-parse", "HEAD");
  await cliJson(dir, ["push", "--version", "v1.0.0", "--alias", "production"]);
  for (const [i, step] of STEPS.entries()) {
    await writeFiles(dir, { "prompts/greet.yaml": GREET });
    for (const [path, text] of Object.entries(step.files)) {
      if (text === null) await rm(join(dir, path));
      else await writeFiles(dir, { [path]: text });
    }
    commitAll(dir, `step ${i + 1}`);
    await cliJson(dir, ["push", "--version", `v1.${i + 1}.0`]);
  }
  return { dir, contract };
}

describe("validate: the registry side against the code at a git commit", () => {
  it("gives the right verdict and exit code for each kind of change", { timeout: 60_000 }, async () => {
    const { dir, contract } = await history();
    for (const [i, step] of STEPS.entries()) {
      const result = await runCli(dir, ["validate", "--git-commit", contract.slice(0, 8), "--version", `v1.${i + 1}.0`, "--json"]);
      const report = JSON.parse(result.stdout) as { compatible: boolean; findings: { prompt: string; status: string; reasons: string[] }[] };
      const greet = report.findings.find((f) => f.prompt === "greet")!;
      expect(greet.status, `step ${i + 1}`).toBe(step.verdict);
      if (step.reason) expect(greet.reasons.join("; "), `step ${i + 1}`).toMatch(step.reason);
      expect(result.code, `step ${i + 1}`).toBe(step.verdict === "error" ? 1 : 0);
    }
    const table = await runCli(dir, ["validate", "--git-commit", contract, "--alias", "production"]);
    expect(table).toMatchObject({ code: 0 });
    expect(table.stdout).toMatch(/greet\s+ok/);
    // HEAD is the default commit: at the last step greet is gone from the code too.
    expect((await runCli(dir, ["validate", "--version", "v1.8.0"])).code).toBe(0);
  });

  it("diff shows each change, in every format, with --exit-code", { timeout: 60_000 }, async () => {
    const { dir, contract } = await history();
    const json = JSON.parse((await runCli(dir, ["diff", "greet", "v1.0.0", "v1.2.0", "--format", "json"])).stdout) as SetDiff;
    expect(json.prompts[0]!.changes).toEqual(expect.arrayContaining([
      { kind: "variables", added: ["company"], removed: [], nowRequired: [], nowOptional: [], breaking: ["company"] },
      expect.objectContaining({ kind: "template", target: "default" }),
    ]));
    const text = (await runCli(dir, ["diff", "greet", "--version", "v1.0.0", "--version", "v1.7.0"])).stdout;
    expect(text).toContain("kind: text → chat");
    expect(text).toContain("variant removed: fr (locale=fr)");
    expect(text).toContain("+[user]");
    expect(text).not.toContain("\u001b[");
    const markdown = (await runCli(dir, ["diff", "--version", "v1.0.0", "--version", "v1.6.0", "--format", "markdown"])).stdout;
    expect(markdown).toContain("variant added: de (locale=de)");
    const reworded = (await runCli(dir, ["diff", "--version", "v1.0.0", "--version", "v1.1.0", "--format", "markdown"])).stdout;
    expect(reworded).toContain("```diff\n@@ -1,1 +1,1 @@\n-Hello {{ name }}!\n+Hi there, {{ name }}!");
    const html = (await runCli(dir, ["diff", "greet", "--git-commit", contract, "--version", "v1.4.0", "--format", "html"])).stdout;
    // Sides go in this order: versions, then --version, --git-commit, --alias.
    expect(html).toContain("variables: added name");
    const all = JSON.parse((await runCli(dir, ["diff", "--version", "v1.0.0", "--version", "v1.8.0", "--format", "json"])).stdout) as SetDiff;
    expect(all.summary).toEqual({ added: 0, removed: 1, changed: 0, unchanged: 1 });
    expect((await runCli(dir, ["diff", "--version", "v1.0.0", "--version", "v1.1.0", "--exit-code"])).code).toBe(1);
    expect((await runCli(dir, ["diff", "--version", "v1.0.0", "--git-commit", contract, "--exit-code"])).code).toBe(0);
    // Local files against an alias: HEAD's files (greet removed) against production.
    expect((await cliJson<SetDiff>(dir, ["diff", "--alias", "production"])).summary.removed).toBe(1);
  });

  it("the HTML diff of a hostile prompt is inert", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: app\n", "prompts/evil.txt": "fine\n" });
    await cliJson(dir, ["push", "--version", "v1.0.0"]);
    await writeFiles(dir, { "prompts/evil.txt": "{% raw %}<script>alert(1)</script></textarea><img src=x onerror=alert(2)>{% endraw %}\n" });
    const html = (await runCli(dir, ["diff", "--version", "v1.0.0", "--format", "html"])).stdout;
    const tags = [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
    const allowed = new Set(["html", "head", "meta", "title", "style", "body", "h1", "section", "h2", "small", "ul", "li", "h3", "table", "thead", "tr", "th", "tbody", "td", "del", "ins"]);
    expect(tags.filter((t) => !allowed.has(t))).toEqual([]);
    expect(tags).toContain("td");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
  });

  it("unknown references and bad usage are clear errors", async () => {
    const { dir } = await history();
    const cases: [string[], number, string?][] = [
      [["diff", "--version", "v9.9.9"], 1, "VERSION_NOT_FOUND"],
      [["diff", "--alias", "nope"], 1, "ALIAS_NOT_FOUND"],
      [["diff", "missing", "v1.0.0", "v1.1.0"], 1, "PROMPT_NOT_FOUND"],
      [["diff", "--git-commit", "deadbeef"], 1, "GIT_COMMIT_NOT_FOUND"],
      [["validate", "--git-commit", "deadbeef", "--alias", "production"], 1, "GIT_COMMIT_NOT_FOUND"],
      [["diff", "--version", "v1.0.0", "--format", "pdf"], 2],
      [["diff", "v1.0.0", "v1.1.0", "--alias", "production"], 2],
    ];
    for (const [args, code, errorCode] of cases) {
      const result = await runCli(dir, [...args, "--json"]);
      expect(result.code, args.join(" ")).toBe(code);
      if (errorCode) expect(JSON.parse(result.stdout).error.code, args.join(" ")).toBe(errorCode);
    }
    // Outside the repository, a commit push recorded is still judged, from the registry.
    const registry = ["--registry", join(dir, ".promptsync/registry"), "--project", "app"];
    const head = git(dir, "rev-parse", "HEAD");
    const elsewhere = await runCli(await tempDir(), ["validate", "--git-commit", head, "--version", "v1.7.0", ...registry, "--json"]);
    expect(JSON.parse(elsewhere.stdout)).toMatchObject({ code: `commit ${head.slice(0, 7)} (recorded by push)`, compatible: true });
    const outside = await tempDir();
    const result = await runCli(outside, ["validate", "--alias", "production", "--registry", join(dir, ".promptsync/registry"), "--project", "app", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe("NOT_A_GIT_REPO");
  });
});

describe("validate with no registry side", () => {
  it("compiles and lints the local prompts, for a pre-commit hook", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "Hi {{ name }}\n", "prompts/b.txt": "Bye\n" });
    expect(await cliJson(dir, ["validate", "--path", "./prompts"])).toEqual({ ok: true, prompts: 2 });
    await writeFiles(dir, { "prompts/b.txt": "Bye {{ name \n" });
    const broken = await runCli(dir, ["validate", "--json"]);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).error.code).toBe("COMPILE_FAILED");
  });
});

describe("SDK diff", () => {
  it("pm.diff returns the same structured changes as the CLI", async () => {
    const { dir } = await history();
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "app", cwd: dir });
    const diff = await pm.diff("greet", "v1.0.0", "v1.2.0");
    const cli = await cliJson<SetDiff>(dir, ["diff", "greet", "v1.0.0", "v1.2.0"]);
    expect(diff).toEqual(cli.prompts[0]);
    expect(diff.changes).toContainEqual({ kind: "variables", added: ["company"], removed: [], nowRequired: [], nowOptional: [], breaking: ["company"] });
    expect((await pm.diff("greet", "production", "v1.8.0")).status).toBe("removed");
    pm.close();
  });
});

describe("diff text format", () => {
  it("marks the changed words in colour, and only when asked", () => {
    const compile = (text: string) => {
      const result = compilePrompts([{ path: "p.txt", text }]);
      if (!result.ok) throw new Error("compile");
      return result.prompts;
    };
    const diff = comparePromptSets("a", "b", compile("Hello brave world\n"), compile("Hello new world\n"));
    expect(formatText(diff, true)).toContain("\u001b[31m-Hello \u001b[7mbrave\u001b[0m\u001b[31m world");
    expect(formatText(diff, true)).toContain("\u001b[32m+Hello \u001b[7mnew\u001b[0m\u001b[32m world");
    expect(formatText(diff, false)).toContain("  -Hello brave world\n  +Hello new world");
  });
});
