// The floor of `promptsync alias set` (scripts/bench/cli-startup.ts): the work the command cannot do without, in
// one plain file and none of PromptSync's code. It runs the two git processes whose facts the alias change records
// (as src/git/repository.ts runs them), reads and parses the alias pointer and the index, and writes the new
// pointer and then the index as durably as the folder driver does (a new temporary file, flushed, renamed over the
// target), one after the other as the compare-and-swap needs. Left out: the config, validation, the lock files,
// the near-miss check, signing and the modules. The targets are scratch files beside the project, so the
// registry stays as the command left it.
// Usage (in the project's folder): node alias-set-floor.mjs <registry project folder> <alias>
const { spawn } = process.getBuiltinModule("node:child_process");
const { readFile, rename, writeFile } = process.getBuiltinModule("node:fs/promises");
const { writeSync } = process.getBuiltinModule("node:fs");
const { Buffer } = process.getBuiltinModule("node:buffer");

const [projectFolder, alias] = process.argv.slice(2);

function git(args) {
  return new Promise((resolve) => {
    const child = spawn("git", args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks = [];
    child.stdout.on("data", (chunk) => chunks.push(chunk));
    child.on("close", (code) => resolve(code === 0 ? Buffer.concat(chunks).toString("utf8") : undefined));
  });
}

async function writeDurably(target, body) {
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, body, { flush: true, flag: "wx" });
  await rename(temp, target);
}

const facts = Promise.all([
  git(["log", "-1", "--format=%H%x00%an <%ae>%x00%s%x00%cI"]),
  git(["status", "--porcelain=v2", "--branch", "--no-ahead-behind", "--", "prompts"]),
]);
const [pointerText, indexText] = await Promise.all([
  readFile(`${projectFolder}/aliases/${alias}.json`, "utf8"),
  readFile(`${projectFolder}/_index.json`, "utf8"),
]);
const [head, status] = await facts;
const [commit, author, subject, timestamp] = head.trimEnd().split("\0");
const pointer = JSON.parse(pointerText);
const index = JSON.parse(indexText);
const now = new Date().toISOString();
const recorded = { commit, author, subject, timestamp, dirty: status.split("\n").some((line) => line !== "" && !line.startsWith("# ")) };
pointer.revision += 1;
pointer.updatedAt = now;
pointer.history.push({ revision: pointer.revision, action: "set", version: pointer.version, at: now, git: recorded });
index.aliases[alias] = { version: pointer.version, revision: pointer.revision };
index.updatedAt = now;
await writeDurably("floor-alias.json", JSON.stringify(pointer));
await writeDurably("floor-index.json", JSON.stringify(index));
writeSync(1, `alias ${alias} → ${pointer.version}\n`);
