import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, inheritedEnv, runCli, type CliResult } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";

/** Sets the terminal's title, then clears the screen. */
const HOSTILE = "\u001b]0;pwned\u0007\u001b[2J";
/** What a terminal acts on: C0 but newline and tab, DEL, C1. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function expectTerminalSafe(result: CliResult, what: string): void {
  expect(result.stdout, `${what}: stdout`).not.toMatch(CONTROL);
  expect(result.stderr, `${what}: stderr`).not.toMatch(CONTROL);
}

/** A YAML prompt; JSON strings are YAML strings, so the control characters survive as data. */
function yamlPrompt(fields: { title: string; description: string; content: string; tags?: Record<string, string> }): string {
  const variants = fields.tags ? `variants:\n  - tags: ${JSON.stringify(fields.tags)}\n    content: Variant\n` : "";
  return `name: ${JSON.stringify(fields.title)}\ndescription: ${JSON.stringify(fields.description)}\ncontent: ${JSON.stringify(fields.content)}\n${variants}`;
}

const EVIL = { title: `Title${HOSTILE}`, description: `Desc${HOSTILE}ription`, content: `Hello${HOSTILE} {{ name }}\n` };

async function hostileRepo(): Promise<string> {
  return gitRepo({ "promptsync.config.yaml": "project: hygiene\n", "prompts/evil.yaml": yamlPrompt(EVIL) });
}

describe("terminal output: no control characters from data", () => {
  it("show strips escape sequences from the title, description and template; --json keeps them exactly", async () => {
    const dir = await hostileRepo();
    const show = await runCli(dir, ["show", "evil"]);
    expect(show.code, show.stderr).toBe(0);
    expectTerminalSafe(show, "show");
    expect(show.stdout).toContain("title: Title\n");
    expect(show.stdout).toContain("description: Description\n");
    expect(show.stdout).toContain("Hello {{ name }}");
    const json = await runCli(dir, ["show", "evil", "--json"]);
    expect(json.stdout).toContain("\\u001b]0;pwned\\u0007\\u001b[2J");
    expect((JSON.parse(json.stdout) as { prompt: object }).prompt).toMatchObject({ title: EVIL.title, description: EVIL.description, content: EVIL.content });
  });

  it("diff (text) strips them from metadata changes and template lines", async () => {
    const dir = await hostileRepo();
    expect((await runCli(dir, ["push", "--version", "v0.1.0"])).code).toBe(0);
    await writeFiles(dir, { "prompts/evil.yaml": yamlPrompt({ ...EVIL, description: `Changed${HOSTILE}`, content: `Bye${HOSTILE} {{ name }}\n` }) });
    expect((await runCli(dir, ["push", "--version", "v0.2.0"])).code).toBe(0);
    const diff = await runCli(dir, ["diff", "--version", "v0.1.0", "--version", "v0.2.0"]);
    expect(diff.code, diff.stderr).toBe(0);
    expectTerminalSafe(diff, "diff");
    expect(diff.stdout).toContain('description: "Description" → "Changed"');
    expect(diff.stdout).toContain("+Bye {{ name }}");
  });

  it("list strips them from the registry index, which whoever can write the bucket writes", async () => {
    const dir = await hostileRepo();
    expect((await runCli(dir, ["push", "--version", "v0.1.0"])).code).toBe(0);
    const indexFile = join(dir, ".promptsync/registry/prompts/hygiene/_index.json");
    const index = JSON.parse(await readFile(indexFile, "utf8")) as { versions: { createdAt: string; prompts: string[] }[] };
    index.versions[0]!.createdAt += HOSTILE;
    index.versions[0]!.prompts.push(`ghost${HOSTILE}`);
    await writeFile(indexFile, JSON.stringify(index));
    const list = await runCli(dir, ["list"]);
    expect(list.code, list.stderr).toBe(0);
    expectTerminalSafe(list, "list");
    expect(list.stdout).toContain("  ghost\n");
  });

  it("errors that quote a hostile prompt name or file name strip them", async () => {
    const dir = await hostileRepo();
    const missing = await runCli(dir, ["show", `nope${HOSTILE}`]);
    expect(missing.code).toBe(1);
    expectTerminalSafe(missing, "show (missing prompt)");
    expect(missing.stderr).toContain('error: Prompt "nope" not found');

    await writeFiles(dir, { [`prompts/bad${HOSTILE}.txt`]: "Hi\n" });
    const invalid = await runCli(dir, ["validate"]);
    expect(invalid.code).toBe(1);
    expectTerminalSafe(invalid, "validate (invalid file name)");
    expect(invalid.stderr).toContain("INVALID_NAME");
  });
});

/**
 * The markdown outside code fences, and the contents of each fence, split the way CommonMark does: a fence closes
 * only on a line of at least as many backticks, indented by at most three spaces.
 */
function markdownParts(markdown: string): { prose: string[]; fences: string[][] } {
  const prose: string[] = [];
  const fences: string[][] = [];
  let open: { length: number; lines: string[] } | undefined;
  for (const line of markdown.split("\n")) {
    if (open) {
      const close = /^ {0,3}(`+)\s*$/.exec(line);
      if (close && close[1]!.length >= open.length) {
        fences.push(open.lines);
        open = undefined;
      } else open.lines.push(line);
    } else {
      const start = /^ {0,3}(`{3,})/.exec(line);
      if (start) open = { length: start[1]!.length, lines: [] };
      else prose.push(line);
    }
  }
  if (open) fences.push(open.lines);
  return { prose, fences };
}

/** A character that CommonMark reads as syntax: not preceded by an odd number of backslashes. */
const unescaped = (chars: string) => new RegExp(`(?<!\\\\)(?:\\\\\\\\)*[${chars}]`);

describe("diff --format markdown: values from prompts are text", () => {
  it("escapes titles, descriptions and tags outside fences, and no template line closes its fence", async () => {
    const dir = await gitRepo({
      "promptsync.config.yaml": "project: md\n",
      "prompts/greet.yaml": yamlPrompt({ title: "Greeting", description: "Says hello", content: "Hello {{ name }}\n", tags: { locale: "en" } }),
    });
    const before = git(dir, "rev-parse", "HEAD");
    await writeFiles(dir, {
      "prompts/greet.yaml": yamlPrompt({
        title: "<img src=x onerror=alert(1)>",
        description: "[click](https://evil.example) ![pixel](https://evil.example/p.png) <script>alert(1)</script> | a | b |",
        content: "Hello {{ name }}\n```\n<script>alert(2)</script>\n````\n",
        tags: { locale: "en\n# Injected heading\n| a | b |\n|---|---|\n<b>bold</b> [x](https://evil.example)" },
      }),
    });
    commitAll(dir, "hostile metadata");

    const result = await runCli(dir, ["diff", "--git-commit", before, "--git-commit", "HEAD", "--format", "markdown"]);
    expect(result.code, result.stderr).toBe(0);
    const { prose, fences } = markdownParts(result.stdout);

    // Raw HTML, links, images and tables need these characters unescaped; prompt values now have none of them.
    expect(prose.filter((line) => unescaped("<>\\[\\]!|").test(line))).toEqual([]);
    expect(prose.filter((line) => /^\s*#/.test(line) && !/^#{3,4} (Prompt changes|`greet`)/.test(line))).toEqual([]);
    expect(prose.join("\n")).toContain('title: "Greeting" → "\\<img src\\=x onerror\\=alert\\(1\\)\\>"');
    expect(prose.join("\n")).toContain("locale=en \\# Injected heading \\| a \\| b \\|");

    // The template's own ``` and ```` lines stay inside one fence, with the rest of the template.
    expect(fences).toHaveLength(1);
    expect(fences[0]).toEqual(expect.arrayContaining(["+```", "+<script>alert(2)</script>", "+````"]));
  });
});

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("URL credentials never reach the output", () => {
  it("hides user:password of endpoints and registry URLs in errors, hints and --json", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "promptsync.config.yaml": "project: secrets\n", "prompts/a.txt": "Hi\n" });
    const port = await closedPort();
    const endpoint = `http://user:s3cr3t-pw@127.0.0.1:${port}`;
    const awsEnv = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "example-secret", AWS_REGION: "us-east-1" };
    const runs: [string[], NodeJS.ProcessEnv][] = [
      [["list", "--registry", "s3://registry-bucket/team", "--endpoint", endpoint], awsEnv],
      [["push", "--registry", "s3://registry-bucket/team", "--endpoint", endpoint], awsEnv],
      [["init", "--registry", "s3://registry-bucket/team", "--endpoint", endpoint], awsEnv],
      [["list", "--registry", "s3://registry-bucket/team"], { ...awsEnv, AWS_ENDPOINT_URL_S3: endpoint }],
      [["list", "--registry", "s3://registry-bucket/team", "--endpoint", `ftp://user:s3cr3t-pw@127.0.0.1:${port}`], awsEnv],
      [["list", "--registry", "s3://user:s3cr3t-pw@registry-bucket/team"], awsEnv],
      [["list", "--registry", `${endpoint}/registry`], {}],
      [["show", "a", "--alias", "production", "--registry", `${endpoint}/registry`], {}],
      [["alias", "set", "dev", "v0.1.0", "--registry", `${endpoint}/registry`], {}],
      [["list", "--registry", `gopher://user:s3cr3t-pw@127.0.0.1:${port}/registry`], {}],
    ];
    const commands = runs.flatMap(([args, env]) => [{ args, env }, { args: [...args, "--json"], env }]);
    const results = await Promise.all(commands.map(({ args, env }) => runCli(dir, args, env)));
    for (const [i, result] of results.entries()) {
      const what = `promptsync ${commands[i]!.args.join(" ")}`;
      expect(result.code, what).toBe(1);
      expect(`${result.stdout}${result.stderr}`, what).not.toContain("s3cr3t-pw");
      expect(`${result.stdout}${result.stderr}`, what).toContain("***@");
    }
  });
});

describe("a reader that stops early", () => {
  /** Runs the CLI with its stdout a pipe whose reading end is closed at once, as `| head` does when it has enough. */
  function runClosedPipe(cwd: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd, env: inheritedEnv(), stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });
  }

  it("ends the command quietly, with its exit code, not an EPIPE stack trace", async () => {
    const dir = await gitRepo({ "prompts/hello.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: pipe\n" });
    expect((await runCli(dir, ["push", "--alias", "production"])).code).toBe(0);
    for (const args of [["list"], ["alias", "history", "production"], ["show", "hello"], ["version", "get", "production"]]) {
      expect(await runClosedPipe(dir, args), args.join(" ")).toEqual({ code: 0, stderr: "" });
    }
  });
});

describe("a slow reader", () => {
  it("gets the whole output, in order, when the pipe fills before it reads", async () => {
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"x".repeat(90)}`;
    const body = Array.from({ length: 20_000 }, (_, i) => line(i)).join("\n");
    const dir = await gitRepo({ "prompts/big.txt": `${body}\n`, "promptsync.config.yaml": "project: slow\n" });
    const child = spawn(process.execPath, [CLI, "render", "big"], { cwd: dir, env: inheritedEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    const out = Buffer.concat(chunks).toString();
    expect(out.length).toBe(body.length + 1);
    expect(out).toBe(`${body}\n`);
  });
});
