// Registry objects are written by whoever can write the bucket, and names and locales come from apps: every size
// they choose is bounded at run time, and a bad object is refused as invalid (the SDK keeps the last good version),
// never an unclassified exception or a long stall. Each test failed on the code before its fix.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { contentHash } from "../src/formats/canonical.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { compareVersions, newestVersion, sortVersions } from "../src/formats/version.ts";
import { setAlias } from "../src/registry/aliases.ts";
import { pushRelease } from "../src/registry/push.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { checkTemplate } from "../src/template/compile-template.ts";
import { localeFallbacks, selectVariant } from "../src/template/variants.ts";
import { PromptManager } from "../sdk/index.ts";
import { tempDir } from "./helpers/fs.ts";

const PROJECT = "bounds";
const SDK = new URL("../sdk/index.ts", import.meta.url).href;

function compile(files: Record<string, string>): CompiledPrompt[] {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

const GREETING = compile({ "greeting.txt": "Hello {{ name }}\n" })[0]!;

/** A folder registry with v0.1.0 (greeting: "Hello {{ name }}") and the production alias on it. */
async function registry(): Promise<{ dir: string; store: FolderStore }> {
  const dir = join(await tempDir(), "registry");
  const store = new FolderStore(dir);
  await pushRelease(store, { project: PROJECT, version: "v0.1.0", prompts: [GREETING] });
  await setAlias(store, { project: PROJECT, alias: "production", ref: "v0.1.0" });
  return { dir, store };
}

/** `prompt` with its hashes (and its variants') computed again, as a registry writer would. */
function rehashed(prompt: CompiledPrompt): CompiledPrompt {
  const variants = prompt.variants.map((v) => ({ ...v, hash: contentHash(v) }));
  const out = { ...prompt, variants };
  return { ...out, hash: contentHash(out) };
}

/** Publishes `version` holding `prompt` (hashes right) and moves production to it. */
async function publish(store: FolderStore, version: string, prompt: CompiledPrompt): Promise<void> {
  await pushRelease(store, { project: PROJECT, version, prompts: [rehashed(prompt)] });
  await setAlias(store, { project: PROJECT, alias: "production", ref: version });
}

const key = (dir: string, path: string) => join(dir, "prompts", PROJECT, path);

/** The error an SDK call rejected with, and what it wraps. */
async function rejection(work: Promise<unknown>): Promise<{ error: Error & { code?: string }; cause: (Error & { code?: string }) | undefined }> {
  const error = await work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as Error & { code?: string },
  );
  return { error, cause: error.cause as (Error & { code?: string }) | undefined };
}

interface Child {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module in a Node process of its own (`SDK` is the SDK's URL in it), killed after `timeoutMs`: a
 * regression to the quadratic code fails the test instead of hanging the suite.
 */
function runChild(source: string, timeoutMs: number, nodeArgs: string[] = []): Promise<Child> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, "--input-type=module", "-e", `const SDK = ${JSON.stringify(SDK)};\n${source}`],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, timedOut: Boolean(error?.killed), stdout, stderr }),
    );
  });
}

describe("compiled prompts: YAML maps of many keys", () => {
  it("a config of 50,000 keys loads in linear time (yaml's unique-key check compared each key with every earlier one)", async () => {
    const { dir, store } = await registry();
    const config = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    await publish(store, "v0.2.0", { ...GREETING, config });
    await rm(key(dir, "_bundles"), { recursive: true, force: true });
    // The old check took about 22 s for 20,000 keys, growing with the square: over two minutes here.
    const child = await runChild(
      `const { PromptManager } = await import(SDK);
       const pm = new PromptManager({ registry: ${JSON.stringify(dir)}, project: "${PROJECT}", refreshInterval: 0 });
       const p = await pm.getPrompt("greeting", { versionOrAlias: "production" });
       console.log(p.version, Object.keys(p.config).length, p.config.k49999);`,
      30_000,
    );
    expect(child.timedOut, "getPrompt did not finish within 30 s").toBe(false);
    expect(child.stdout.trim(), child.stderr).toBe("v0.2.0 50000 49999");
  });

  it("duplicate keys are still a malformed object, with yaml's message and position, at any depth", async () => {
    const { dir, store } = await registry();
    await publish(store, "v0.2.0", { ...GREETING, config: { a: { b: 1, c: 2 } } });
    const file = key(dir, "greeting/v0.2.0/default.yaml");
    const text = await readFile(file, "utf8");
    const cases: [string, RegExp][] = [
      [text.replace("config:\n", "config:\n  z: 1\n  z: 2\n"), /malformed YAML: Map keys must be unique at line 4, column 3:$/],
      [text.replace("    c: 2\n", "    c: 2\n    b: 3\n"), /malformed YAML: Map keys must be unique at line 5, column 5:$/],
      [`x: [1, {p: 1, q: 2, p: 3}]\n${text}`, /malformed YAML: Map keys must be unique at line 1, column 21:$/],
      [`${text}name: again\n`, /malformed YAML: Map keys must be unique at line \d+, column 1:$/],
    ];
    const client = new RegistryClient(store, PROJECT);
    for (const [yaml, message] of cases) {
      await writeFile(file, yaml);
      await expect(client.prompt("v0.2.0", "greeting")).rejects.toMatchObject({ code: "INVALID_BUNDLE", message });
    }
    // Equal scalars are equal keys whatever their spelling (1 and 1.0), as yaml compares them; "1" is another key.
    await writeFile(file, `config:\n  1: a\n  1.0: b\n${text.replace(/^config:\n(?: {2}.*\n)+/m, "")}`);
    await expect(client.prompt("v0.2.0", "greeting")).rejects.toMatchObject({ message: /Map keys must be unique at line 3, column 3:$/ });
    await writeFile(file, `config:\n  1: a\n  "1": b\n${text.replace(/^config:\n(?: {2}.*\n)+/m, "")}`);
    await expect(client.prompt("v0.2.0", "greeting")).rejects.toMatchObject({ message: /content does not match its hash/ });
  });
});

describe("latest: the newest version of a large index", () => {
  it("is found in one pass, each version parsed once (a sort re-parsed both versions at every comparison)", async () => {
    const { dir } = await registry();
    const indexFile = key(dir, "_index.json");
    const index = JSON.parse(await readFile(indexFile, "utf8")) as { versions: { version: string; releaseHash: string }[] };
    const real = index.versions[0]!;
    // 110,000 pre-releases of v0.1.0 (older than v0.1.0 itself) with 55-part tags, under the index's 32 MiB.
    const tail = Array.from({ length: 55 }, () => "1").join(".");
    const n = 110_000;
    const fake = Array.from({ length: n }, (_, i) => ({ createdAt: "", prompts: [], releaseHash: real.releaseHash, version: `v0.1.0-${tail}.${(i * 7919) % n}` }));
    index.versions = [...fake.slice(0, n / 2), real, ...fake.slice(n / 2)];
    await writeFile(indexFile, JSON.stringify(index));
    // The sort took 35 s for 100,000 such versions.
    const child = await runChild(
      `const { PromptManager } = await import(SDK);
       const pm = new PromptManager({ registry: ${JSON.stringify(dir)}, project: "${PROJECT}", refreshInterval: 0 });
       const p = await pm.getPrompt("greeting", { versionOrAlias: "latest" });
       console.log(p.version, p.format({ name: "Ada" }));`,
      20_000,
    );
    expect(child.timedOut, "getPrompt(latest) did not finish within 20 s").toBe(false);
    expect(child.stdout.trim(), child.stderr).toBe("v0.1.0 Hello Ada");
  });

  it("newestVersion and sortVersions agree with a sort by compareVersions", () => {
    const pool = ["v1.0.0", "1.0.0", "v1.0.0-rc.1", "v1.0.0-rc.2", "v1.0.0-rc.10", "v1.0.0-rc.01", "v1.0.0-beta", "v1.0.0-beta.2.a", "v1.0.0-1", "v1.0.0-a-b", "v1.0.0-rc.1.1", "v0.9.1", "v1.10.0", "v1.2.0", `v2.0.0-${"9".repeat(400)}`, `v2.0.0-${"8".repeat(400)}`];
    let seed = 7;
    const random = (below: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % below);
    for (let round = 0; round < 2_000; round++) {
      const versions = Array.from({ length: random(9) }, () => pool[random(pool.length)]!);
      const sorted = [...versions].sort(compareVersions);
      expect(sortVersions(versions)).toEqual(sorted);
      expect(newestVersion(versions)).toBe(sorted.at(-1));
    }
  });
});

describe("objects nested too deeply for recursive code", () => {
  const chains = {
    filters: "{{ name" + "|upper".repeat(2_000) + " }}",
    members: "{{ name" + ".a".repeat(2_000) + " }}",
    concatenations: "{{ name" + " ~ name".repeat(2_000) + " }}",
    "filters past composition's walk": "{{ name" + "|upper".repeat(8_000) + " }}",
  };

  for (const [kind, content] of Object.entries(chains)) {
    it(`a template of ${kind} (parsed without recursion) is an invalid object, not a RangeError`, async () => {
      const { dir, store } = await registry();
      await publish(store, "v0.2.0", { ...GREETING, content });
      const pm = new PromptManager({ registry: dir, project: PROJECT, refreshInterval: 0 });
      const { error, cause } = await rejection(pm.getPrompt("greeting", { versionOrAlias: "production" }));
      expect(error.code, error.stack).toBe("PROMPT_UNAVAILABLE");
      expect(cause).toMatchObject({ code: "INVALID_BUNDLE", message: /prompt "greeting": .*nested too deep/ });
      await pm.close();
    });
  }

  for (const refreshStrategy of ["on-demand", "background"] as const) {
    it(`the SDK keeps serving the last good version when the alias moves to one (${refreshStrategy} refresh)`, async () => {
      const { dir, store } = await registry();
      let now = 0;
      const pm = new PromptManager({ registry: dir, project: PROJECT, refreshInterval: 0, cacheStrategy: { refreshStrategy, memoryTtl: 60 }, now: () => now });
      expect((await pm.getPrompt("greeting", { versionOrAlias: "production" })).version).toBe("v0.1.0");
      await publish(store, "v0.2.0", { ...GREETING, content: chains.filters });
      now += 3_600_000;
      const first = await pm.getPrompt("greeting", { versionOrAlias: "production" });
      await pm.refresh();
      const after = await pm.getPrompt("greeting", { versionOrAlias: "production" });
      expect([first.version, after.version]).toEqual(["v0.1.0", "v0.1.0"]);
      expect(after.stale).toBe(true);
      expect(after.format({ name: "Ada" })).toBe("Hello Ada");
      await pm.close();
    });
  }

  it("the template check reports the depth as a syntax problem (it overflowed the stack)", () => {
    expect(checkTemplate(chains.filters).problems).toEqual([expect.objectContaining({ code: "TEMPLATE_SYNTAX", line: 1, message: expect.stringMatching(/nested too deeply/) })]);
    // Ordinary depths are unchanged.
    const check = checkTemplate("{% if a %}{% for x in xs %}{{ x.name|default('-')|upper ~ b }}{% endfor %}{% endif %}{{ c" + "|lower".repeat(100) + " }}");
    expect(check.problems).toEqual([]);
    expect(check.variables.map((v) => v.name)).toEqual(["a", "b", "c", "xs"]);
  });

  it("a bundle whose config nests 100,000 levels is an invalid object, from the SDK and the core reader", async () => {
    const { dir, store } = await registry();
    const file = key(dir, "_bundles/v0.1.0.json");
    const text = await readFile(file, "utf8");
    const deep = '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000);
    const patched = text.replace('"name": "greeting",', `"config": ${deep},\n      "name": "greeting",`);
    expect(patched).not.toBe(text);
    await writeFile(file, patched);
    const pm = new PromptManager({ registry: dir, project: PROJECT, refreshInterval: 0 });
    const { error } = await rejection(pm.preload({ versionOrAlias: "production" }));
    expect(error).toMatchObject({ code: "INVALID_BUNDLE", message: /_bundles\/v0\.1\.0\.json: prompt "greeting": nested too deeply/ });
    await pm.close();
    await expect(new RegistryClient(store, PROJECT).promptsAt("v0.1.0")).rejects.toMatchObject({ code: "INVALID_BUNDLE", message: /nested too deeply/ });
  });
});

describe("variants: the app's locale", () => {
  it("a locale of 100,000 parts selects its variant in linear memory (the fallback chain of all its prefixes is quadratic)", async () => {
    const { dir, store } = await registry();
    const [prompt] = compile({
      "greeting.yaml": 'content: "Hello {{ name }}"\nvariants:\n  - tags: { locale: a }\n    content: "A {{ name }}"\n  - tags: { locale: b }\n    content: "B {{ name }}"\n',
    });
    await publish(store, "v0.2.0", prompt!);
    // The chain of 'a-a-…' (200 KB) is 100,000 strings of up to 200 KB: 10 GB, where the heap here has 192 MB.
    const child = await runChild(
      `const { PromptManager } = await import(SDK);
       const pm = new PromptManager({ registry: ${JSON.stringify(dir)}, project: "${PROJECT}", refreshInterval: 0 });
       const p = await pm.getPrompt("greeting", { versionOrAlias: "production", tags: { locale: "a-".repeat(100000) } });
       console.log(p.variant, p.format({ name: "Ada" }));`,
      60_000,
      ["--max-old-space-size=192"],
    );
    expect(child.timedOut, "getPrompt did not finish within 60 s").toBe(false);
    expect(child.stdout.trim(), child.stderr.slice(-500)).toBe("a A Ada");
  });

  it("selection is the fallback chain's, as before", () => {
    const parts = ["en", "EN", "us", "zh", "hant", "tw", "", "x"];
    let seed = 11;
    const random = (below: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % below);
    const locale = () => Array.from({ length: 1 + random(4) }, () => parts[random(parts.length)]).join(random(2) ? "-" : "_");
    for (let round = 0; round < 3_000; round++) {
      const wanted = locale();
      const variants = Array.from({ length: 1 + random(4) }, (_, i): { id: string; tags: Record<string, string> } => ({ id: `v${i}`, tags: random(3) ? { locale: locale() } : { locale: locale(), tone: "x" } }));
      const chain = localeFallbacks(wanted);
      // The definition: the most tags, then the fewest fallback steps, then the first declared.
      let expected: string | undefined;
      let best = [-1, Infinity];
      for (const v of variants) {
        if (v.tags.tone !== undefined) continue;
        const step = v.tags.locale === wanted ? 0 : chain.indexOf(v.tags.locale!.toLowerCase().replaceAll("_", "-"));
        if (step >= 0 && (1 > best[0]! || step < best[1]!)) [expected, best] = [v.id, [1, step]];
      }
      expect(selectVariant(variants, { locale: wanted })?.id).toBe(expected);
    }
  });
});
