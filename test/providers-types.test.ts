import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/fs.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const run = promisify(execFile);

async function tsc(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSC, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("the provider request bodies' types", () => {
  it("are assignable to openai's and @anthropic-ai/sdk's request parameter types (test/fixtures/provider-types)", async () => {
    const { code, output } = await tsc("-p", "test/fixtures/provider-types/tsconfig.json");
    expect(output).toBe("");
    expect(code).toBe(0);
  }, 180_000);

  it("stay structural: the SDK's declaration files name neither provider package", async () => {
    const out = await tempDir();
    const config = join(out, "tsconfig.json");
    await writeFile(config, JSON.stringify({
      extends: join(ROOT, "tsconfig.json"),
      compilerOptions: {
        noEmit: false, emitDeclarationOnly: true, declaration: true, noCheck: true, rootDir: ROOT, outDir: join(out, "dist"),
        typeRoots: [join(ROOT, "node_modules/@types")],
      },
      files: [join(ROOT, "sdk/index.ts")],
      include: [],
    }));
    const { code, output } = await tsc("-p", config);
    expect(output).toBe("");
    expect(code).toBe(0);
    const declarations = (await readdir(join(out, "dist"), { recursive: true })).filter((f) => f.endsWith(".d.ts"));
    expect(declarations).toContain(join("sdk", "providers", "openai.d.ts"));
    expect(declarations).toContain(join("sdk", "providers", "anthropic.d.ts"));
    const prompt = await readFile(join(out, "dist/sdk/prompt.d.ts"), "utf8");
    expect(prompt).toContain("toOpenAI(");
    expect(prompt).toContain("toAnthropic(");
    for (const file of declarations) {
      const text = await readFile(join(out, "dist", file), "utf8");
      expect(text.match(/["'](?:openai|@anthropic-ai\/[^"']*)(?:\/[^"']*)?["']/g), file).toBeNull();
    }
  }, 180_000);
});
