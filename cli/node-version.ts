// The CLI's very first module: cli/main.ts imports it before anything else and loads every other module only after
// it has run, since on an older Node.js those fail before any code runs (node:module has no enableCompileCache,
// the dashboard calls Map.groupBy). On such a Node.js the CLI says in one line what it needs and exits 1. It only
// compares two numbers: nothing is loaded for it. The SDK has no such check (README, "Node.js versions").

/** The oldest Node.js the CLI runs on: package.json's `engines.node` and the README (test/node-version.test.ts). */
export const MINIMUM_NODE = "22.12";

/** What to tell the user when the CLI cannot run on Node.js `version` (`process.versions.node`); else undefined. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = NaN, minor = NaN] = version.split(".").map(Number);
  const [needMajor = 0, needMinor = 0] = MINIMUM_NODE.split(".").map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `promptsync needs Node.js ${MINIMUM_NODE} or later; this is Node.js ${version}. Install a current LTS from https://nodejs.org or switch with nvm, fnm or Volta.`;
}

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
