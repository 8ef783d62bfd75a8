// Node.js versions (issue 16): on a Node.js older than it needs, the built CLI says so in one line and exits 1,
// before anything else loads (and so before the AWS SDK could add its own warning); the minimum is the one in
// package.json's `engines` and in the README; at that minimum the AWS SDK's Node.js warning is not printed.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MINIMUM_NODE, nodeVersionProblem } from "../cli/node-version.ts";
import { inheritedEnv, type CliResult } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { requireComponent } from "./helpers/requirements.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = `${ROOT}dist/cli/main.mjs`;

/** A Node.js the CLI refuses: PROMPTSYNC_TEST_OLD_NODE, or the machine's own (the repo pins a newer one). */
function oldNode(): { node: string; version: string } | undefined {
  for (const node of [process.env.PROMPTSYNC_TEST_OLD_NODE, "/usr/bin/node", "/usr/local/bin/node"]) {
    if (!node || !existsSync(node)) continue;
    const version = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    if (nodeVersionProblem(version) !== undefined) return { node, version };
  }
  return undefined;
}

function runOn(node: string, cwd: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(node, [BIN, ...args], { cwd, env: { ...inheritedEnv(), NO_COLOR: "1" } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("the Node.js the CLI needs", () => {
  it("is package.json's engines.node and the README's", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MINIMUM_NODE}`);
    expect(readFileSync(`${ROOT}README.md`, "utf8")).toContain(`Node.js ≥ ${MINIMUM_NODE}`);
  });

  it("refuses what is older, in one line that names both versions", () => {
    for (const version of ["22.12.0", "22.20.1", "23.0.0", "24.21.0", "30.1.2"]) expect(nodeVersionProblem(version), version).toBeUndefined();
    for (const version of ["22.11.0", "22.0.0", "21.7.3", "20.20.2", "18.19.1"]) {
      const problem = nodeVersionProblem(version);
      expect(problem, version).toMatch(new RegExp(`^promptsync needs Node\\.js ${MINIMUM_NODE.replace(".", "\\.")} or later; this is Node\\.js ${version.replaceAll(".", "\\.")}\\. `));
      expect(problem).not.toContain("\n");
    }
  });

  describe("the built CLI on an older Node.js", () => {
    const old = oldNode();
    if (!requireComponent("a Node.js older than the minimum", old !== undefined, `no /usr/bin/node older than ${MINIMUM_NODE}; set PROMPTSYNC_TEST_OLD_NODE to one`)) return;

    it.each(["--version", "list", "push --registry s3://promptsync-bucket/reg", "site build"])("promptsync %s: the one line on stderr, exit 1", async (command) => {
      if (!existsSync(BIN)) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
      const result = await runOn(old!.node, await tempDir(), command.split(" "));
      expect(result).toEqual({ code: 1, stdout: "", stderr: `${nodeVersionProblem(old!.version)}\n` });
    });
  });
});

describe("the AWS SDK's Node.js version warning", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is not printed on the Node.js the CLI needs (it is, once a process, on older ones)", () => {
    // The function @aws-sdk/client-s3 calls with process.version each time an S3Client is made.
    const awsRequire = createRequire(createRequire(import.meta.url).resolve("@aws-sdk/client-s3"));
    const { emitWarningIfUnsupportedVersion } = awsRequire("@aws-sdk/core/client") as { emitWarningIfUnsupportedVersion: (version: string) => void };
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    emitWarningIfUnsupportedVersion(`v${MINIMUM_NODE}.0`);
    emitWarningIfUnsupportedVersion(process.version);
    expect(warn).not.toHaveBeenCalled();
    // The check is the one that warns: on Node.js 20 it does.
    emitWarningIfUnsupportedVersion("v20.20.2");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("NodeVersionSupportWarning");
  });
});
