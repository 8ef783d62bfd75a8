// diff and validate on the 225-prompt corpus between two versions where 10 prompts changed: the whole CLI
// command, as a user or CI runs it (process start included).
import { execFileSync } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readPromptFolder } from "../../src/source/read-folder.ts";
import { measureAsync, report } from "./measure.ts";

const CLI = join(import.meta.dirname, "../../cli/main.ts");
const PLAIN = ["sanitize_broken_html_to_markdown.md", "write_nuclei_template_rule.md"];

export async function diffValidateBench(work: string, corpus: string): Promise<void> {
  const dir = join(work, "diff-repo");
  await cp(corpus, join(dir, "prompts"), { recursive: true });
  for (const file of PLAIN) {
    const path = join(dir, "prompts", file);
    await writeFile(path, `---\ntemplate: false\n---\n${await readFile(path, "utf8")}`);
  }
  await writeFile(join(dir, "promptsync.config.yaml"), "project: fabric\n");
  const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { cwd: dir, encoding: "utf8" });
  const gitc = (...args: string[]) => sh("git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com", ...args);
  const cli = (...args: string[]) => sh(process.execPath, CLI, ...args);
  gitc("init", "-q");
  gitc("add", "-A");
  gitc("commit", "-qm", "corpus");
  cli("push", "--version", "v1.0.0");
  const names = (await readPromptFolder(join(dir, "prompts"))).map((f) => f.path).filter((p) => !PLAIN.includes(p));
  for (const file of names.filter((_, i) => i % 20 === 3).slice(0, 10)) {
    await writeFile(join(dir, "prompts", file), `${await readFile(join(dir, "prompts", file), "utf8")}\nAnswer in {{ language | default("English") }}.\n`);
  }
  gitc("commit", "-qam", "ten changed");
  cli("push", "--version", "v1.1.0");
  report("promptsync diff, corpus v1.0.0 → v1.1.0 (10 of 225 changed)", await measureAsync(async () => {
    cli("diff", "--version", "v1.0.0", "--version", "v1.1.0", "--json");
  }, { iterations: 10 }));
  report("promptsync validate, corpus at a commit against v1.1.0", await measureAsync(async () => {
    cli("validate", "--git-commit", "HEAD~1", "--version", "v1.1.0", "--json");
  }, { iterations: 10 }));
}
