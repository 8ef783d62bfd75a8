// The README's dashboard screenshots (docs/images/library.png, docs/images/prompt-page.png), regenerated with
// `node scripts/screenshots.ts`: the repository's examples and eight patterns of the fabric corpus (MIT,
// ../shared/corpus/fabric-patterns or PROMPTSYNC_CORPUS_DIR) in a real git repository, pushed three times with
// aliases and a canary, built with `promptsync site build` and shot in Debian's chromium at 1280 px, light theme.
import { execFileSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../test/helpers/browser.ts";
import { serveFolder } from "../test/helpers/static-server.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const CLI = join(REPO, "cli/main.ts");
const CORPUS = process.env.PROMPTSYNC_CORPUS_DIR ?? join(REPO, "../shared/corpus/fabric-patterns");
const IMAGES = join(REPO, "docs/images");
const PATTERNS = ["summarize", "extract_wisdom", "analyze_claims", "create_summary", "explain_code", "improve_writing", "write_essay", "rate_content"];

function run(cwd: string, command: string, args: string[]): void {
  execFileSync(command, args, { cwd, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NO_COLOR: "1", GIT_AUTHOR_NAME: "Ada Lovelace", GIT_AUTHOR_EMAIL: "ada@example.com", GIT_COMMITTER_NAME: "Ada Lovelace", GIT_COMMITTER_EMAIL: "ada@example.com" } });
}
const promptsync = (cwd: string, ...args: string[]) => run(cwd, process.execPath, [CLI, ...args]);
const commit = (cwd: string, message: string) => {
  run(cwd, "git", ["add", "-A"]);
  run(cwd, "git", ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message]);
};

/** A fabric pattern as a prompt file: its first "You are …" sentence as the description, the input as a variable. */
async function pattern(name: string): Promise<string> {
  const text = await readFile(join(CORPUS, `${name}.md`), "utf8");
  const description = (/You are ([^.\n]+)\./.exec(text)?.[1] ?? name.replaceAll("_", " ")).replaceAll('"', "'");
  return `---\ndescription: "Fabric's ${name} pattern: you are ${description}"\n---\n${text.trimEnd()}\n\n{{ input }}\n`;
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update scripts/screenshots.ts`);
  await writeFile(file, text.replace(from, to));
}

// A fixed folder, as the header shows the registry's path: images taken again differ only where the site does.
const work = join(tmpdir(), "promptsync-screenshots");
await rm(work, { recursive: true, force: true });
try {
  const project = join(work, "acme-assistants");
  await cp(join(REPO, "examples/prompts"), join(project, "prompts"), { recursive: true });
  await mkdir(join(project, "prompts/patterns"));
  for (const name of PATTERNS) await writeFile(join(project, "prompts/patterns", `${name}.md`), await pattern(name));
  await writeFile(join(project, "promptsync.config.yaml"), "project: acme-assistants\n");
  run(project, "git", ["init", "-q", "-b", "main"]);
  commit(project, "Support prompts and the writing patterns");
  promptsync(project, "push", "--alias", "production");

  const agent = join(project, "prompts/support/agent.yaml");
  await edit(agent, "temperature: 0.2", "temperature: 0.1");
  await edit(join(project, "prompts/patterns/summarize.md"), "- Output numbered lists, not bullets.", "- Output numbered lists, not bullets.\n- Keep each point under 16 words.");
  commit(project, "Steadier support answers; shorter summary points");
  promptsync(project, "push", "--alias", "staging");
  promptsync(project, "canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "10");

  await edit(agent, "max_tokens: 800", "max_tokens: 1000");
  commit(project, "Room for longer order histories");
  promptsync(project, "push", "--alias", "dev");

  const out = join(work, "site");
  promptsync(project, "site", "build", "--out", out);
  const site = await serveFolder(out);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
    for (const [image, path] of [["library", "/"], ["prompt-page", "/prompts/support/agent/"]] as const) {
      await page.goto(`${site.url}${path}`, { waitUntil: "networkidle" });
      await page.screenshot({ path: join(IMAGES, `${image}.png`) });
      console.log(`docs/images/${image}.png`);
    }
  } finally {
    await browser.close();
    await site.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
