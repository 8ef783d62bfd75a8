import { readFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { RenderError } from "../src/errors.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli, runCliUnprivileged } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { serveCli } from "./helpers/serve-cli.ts";

/** First run and CLI rough edges (issue 16), each through the CLI as a user meets it. */

const NO_STACK = /\n\s+at /;

describe("serve: a clear error for a port it cannot take, and one log line per request", () => {
  it("a busy port is PORT_IN_USE, exit 1, naming host:port and suggesting --port, without a stack trace", async () => {
    const dir = await gitRepo({ "prompts/hello.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: web\n" });
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const text = await runCli(dir, ["serve", "--port", String(port)]);
      expect(text.code).toBe(1);
      expect(text.stdout).toBe("");
      expect(text.stderr).toContain(`error: Cannot listen on 127.0.0.1:${port}: another program is using the port`);
      expect(text.stderr).toMatch(/hint: .*--port \d+ \(--port 0 picks a free one\)/);
      expect(text.stderr).not.toMatch(NO_STACK);

      const json = await runCli(dir, ["serve", "--port", String(port), "--json"]);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "PORT_IN_USE" } });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  const unprivileged = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim() || "1024");
  // Root may listen anywhere: runCliUnprivileged runs the CLI as nobody there.
  it.skipIf(unprivileged <= 80)("a privileged port is PORT_DENIED, exit 1, without a stack trace", async () => {
    const dir = await gitRepo({ "prompts/hello.txt": "Hello\n", "promptsync.config.yaml": "project: web\n" });
    await Promise.all([chmod(dirname(dir), 0o755), chmod(dir, 0o755)]);
    const result = await runCliUnprivileged(dir, ["serve", "--port", "80"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot listen on 127.0.0.1:80: permission denied");
    expect(result.stderr).not.toMatch(NO_STACK);
  });

  it("logs method, path, status, bytes and time on stderr; never the query string; hostile paths stay encoded; --quiet logs nothing", async () => {
    const dir = await gitRepo({ "prompts/hello.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: web\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const origin = await serveCli(dir);
    try {
      const alias = await fetch(`${origin.url}/prompts/web/aliases/production.json?token=s3cr3t`);
      const bytes = (await alias.arrayBuffer()).byteLength;
      await fetch(`${origin.url}/prompts/web/_index.json`, { method: "HEAD" });
      await (await fetch(`${origin.url}/prompts/%1b%5b2J%0aFORGED%20200`)).text();
      await expect.poll(() => origin.stderr().split("\n").filter(Boolean).length).toBe(3);
      const lines = origin.stderr().trimEnd().split("\n");
      expect(lines[0]).toMatch(new RegExp(`^GET /prompts/web/aliases/production\\.json 200 ${bytes} B \\d+\\.\\d ms$`));
      expect(lines[1]).toMatch(/^HEAD \/prompts\/web\/_index\.json 200 0 B \d+\.\d ms$/);
      expect(lines[2]).toMatch(/^GET \/prompts\/%1b%5b2J%0aFORGED%20200 404 10 B \d+\.\d ms$/);
      expect(origin.stderr()).not.toContain("s3cr3t");
      expect(origin.stderr()).not.toContain("\u001b");
    } finally {
      expect(await origin.stop()).toBe(0);
    }

    const quiet = await serveCli(dir, ["--quiet"]);
    try {
      expect((await fetch(`${quiet.url}/prompts/web/aliases/production.json`)).status).toBe(200);
      expect((await fetch(`${quiet.url}/prompts/web/missing.json`)).status).toBe(404);
    } finally {
      await quiet.stop();
    }
    expect(quiet.stderr()).toBe("");
  });
});

describe("render: --var is text, --var-json takes JSON, and a type fault names the variable", () => {
  const files = {
    "promptsync.config.yaml": "project: web\n",
    "prompts/keywords.txt": 'Keywords: {{ keywords | join(", ") }}\n',
    "prompts/shout.txt": "{{ name.upper() }}\n",
    "prompts/score.txt": "{{ score | round }}\n",
    "prompts/first.txt": "{{ items | first }}\n",
  };

  it("--var-json passes lists, numbers and dicts; --var passes text, with a note when the text looks like JSON", async () => {
    const dir = await gitRepo(files);
    expect(await runCli(dir, ["render", "keywords", "--var-json", 'keywords=["a","b"]'])).toMatchObject({ code: 0, stdout: "Keywords: a, b\n", stderr: "" });
    expect(await runCli(dir, ["render", "score", "--var-json", "score=2.5"])).toMatchObject({ code: 0, stdout: "2\n" });
    expect(await runCli(dir, ["render", "score", "--var", "score=3.7"])).toMatchObject({ code: 0, stdout: "4\n" });

    const text = await runCli(dir, ["render", "keywords", "--var", 'keywords=["a","b"]']);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('Keywords: [, ", a, ", ,, ", b, ", ]\n');
    expect(text.stderr).toBe("note: --var keywords is passed as text; for a list or dict, use --var-json keywords=…\n");
    // The note is for people: --json output and its stderr stay clean.
    expect((await runCli(dir, ["render", "keywords", "--var", 'keywords=["a","b"]', "--json"])).stderr).toBe("");
  });

  it("a --var-json value that is not JSON, or a name given both ways, is a usage error naming the option and the variable", async () => {
    const dir = await gitRepo(files);
    const bad = await runCli(dir, ["render", "keywords", "--var-json", "keywords=[a, b]"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --var-json keywords: the value is not JSON \(/);
    expect(bad.stderr).toContain(`hint: Quote it for the shell and write strings in double quotes: --var-json 'keywords=["a","b"]'`);
    expect(bad.stderr).not.toMatch(NO_STACK);
    expect((await runCli(dir, ["render", "keywords", "--var-json", "keywords"])).stderr).toContain('--var-json: "keywords" is not name=json');
    const twice = await runCli(dir, ["render", "keywords", "--var-json", "keywords=[]", "--var", "keywords=x"]);
    expect(twice).toMatchObject({ code: 2, stderr: expect.stringContaining("error: keywords: given with both --var and --var-json") });
  });

  it("a value of the wrong type is RENDER_FAILED naming the variable, its type and what the template needs", async () => {
    const dir = await gitRepo(files);
    const cases: [string[], string][] = [
      [["keywords", "--var-json", "keywords=5"], "keywords is a number, join needs a list, a string or a dict"],
      [["keywords", "--var-json", 'keywords={"a":1}'], ""],
      [["shout", "--var-json", "name=3"], "name is a number, which has no method upper()"],
      [["shout", "--var-json", "name=[1]"], "name is a list, which has no method upper()"],
      [["score", "--var", "score=high"], "score is a string, round needs a number, or text that reads as one"],
      [["score", "--var-json", 'score=["1"]'], "score is a list, round needs a number"],
      [["first", "--var-json", "items=5"], "attempted to output null or undefined value: {{ items | first }} is undefined"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(dir, ["render", ...args]);
      if (message === "") {
        expect(result.code, args.join(" ")).toBe(0);
        continue;
      }
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toBe(`error: Rendering "${args[0]}" failed: line 1: ${message}\n`);
      const json = await runCli(dir, ["render", ...args, "--json"]);
      expect(JSON.parse(json.stdout), args.join(" ")).toMatchObject({ error: { code: "RENDER_FAILED" } });
    }
  });

  it("the SDK's format() says the same", async () => {
    const dir = await gitRepo({ ...files, "prompts/member.txt": "{{ user.tags | join(',') }} {{ user.name[1:] }}\n" });
    const pm = new PromptManager({ cwd: dir, project: "web" });
    try {
      const keywords = await pm.getPrompt("keywords");
      expect(keywords.format({ keywords: ["a", "b"] })).toBe("Keywords: a, b");
      expect(() => keywords.format({ keywords: 5 })).toThrow(RenderError);
      expect(() => keywords.format({ keywords: 5 })).toThrow('Rendering "keywords" failed: line 1: keywords is a number, join needs a list, a string or a dict');
      const member = await pm.getPrompt("member");
      expect(() => member.format({ user: { tags: true, name: "ab" } })).toThrow("user.tags is a boolean, join needs a list, a string or a dict");
      expect(() => member.format({ user: { tags: [], name: 7 } })).toThrow("user.name is a number, which cannot be sliced");
    } finally {
      await pm.close();
    }
  });
});

describe("show: structured fields in text output", () => {
  it("prints model, config and inputs as YAML blocks and the source file, locally and from the registry", async () => {
    const dir = await gitRepo({
      "promptsync.config.yaml": "project: web\n",
      "prompts/support.yaml": [
        "name: Support",
        "model: { name: gpt-4o-mini, temperature: 0.2 }",
        'config: { max_tokens: 300, stop: ["\\n\\n"] }',
        "inputs:",
        "  type: object",
        "  required: [company]",
        "  properties:",
        "    company: { type: string }",
        "content: Hello {{ company }}",
        "",
      ].join("\n"),
    });
    const expected = [
      "model:",
      "  name: gpt-4o-mini",
      "  temperature: 0.2",
      "config:",
      "  max_tokens: 300",
      "  stop:",
      '    - "\\n\\n"',
      "inputs:",
      "  type: object",
      "  required:",
      "    - company",
      "  properties:",
      "    company:",
      "      type: string",
      "source: support.yaml",
    ].join("\n");
    const local = await runCli(dir, ["show", "support"]);
    expect(local.code).toBe(0);
    expect(local.stdout).toContain(expected);
    expect(local.stdout).toMatch(/\n\nHello \{\{ company \}\}\n$/);

    await cliJson(dir, ["push"]);
    // The registry keeps keys in canonical order.
    const pushed = await runCli(dir, ["show", "support", "--version", "v0.1.0"]);
    for (const block of ["model:\n  name: gpt-4o-mini\n  temperature: 0.2\n", '\nconfig:\n  max_tokens: 300\n  stop:\n    - "\\n\\n"\n', "\ninputs:\n", "\n  required:\n    - company\n", "\nsource: support.yaml\n"]) {
      expect(pushed.stdout).toContain(block);
    }
    // A plain prompt has none of them.
    expect((await runCli(await gitRepo({ "prompts/plain.txt": "Hi\n" }), ["show", "plain"])).stdout).not.toMatch(/^(model|config|inputs):/m);
  });
});
