// SDK runtime figures: the hot path on a ~1 KB template with 5 variables next to its lower bound, a cold start
// over loopback HTTP, requests per refresh cycle, memory per cached prompt, and the SDK's import time.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import nunjucks from "nunjucks";
import { inCanary } from "../../src/registry/canary-bucket.ts";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import type { CompiledPrompt } from "../../src/formats/types.ts";
import { setCanary } from "../../src/registry/canary-rollout.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import { generateSigningKeys, signerFromPem } from "../../src/signing/keys.ts";
import { originHandler } from "../../src/serve/origin.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { PromptManager } from "../../sdk/index.ts";
import { measureAsync, measureSync, report, type Measurement } from "./measure.ts";
import { unguardedTemplate } from "./unguarded.ts";

/** About 1 KB, five variables, a loop and a condition: a realistic system prompt. */
export const TEMPLATE = `You are the support assistant of {{ company }}, answering {{ customer }} in a {{ tone }} tone.
${"Follow the company's policies carefully, cite the relevant article, and never promise refunds you cannot grant. ".repeat(7)}
{% if tier == "gold" %}The customer is a gold member: offer priority handling.{% endif %}
Recent orders:
{% for order in orders %}- {{ order }}
{% endfor %}
Answer the question and stop.`;

export const VALUES = { company: "Acme", customer: "John", tone: "friendly", tier: "gold", orders: ["A-1", "B-2", "C-3"] };

function line(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

export async function sdkRuntimeBench(work: string): Promise<void> {
  const source = `content: |\n${TEMPLATE.split("\n").map((l) => `  ${l}`).join("\n")}\nvariants:\n  - tags: {locale: en}\n    content: "Hello {{ customer }}"\n`;
  const compiled = compilePrompts([{ path: "support.yaml", text: source }]);
  if (!compiled.ok) throw new Error("bench template did not compile");
  const root = join(work, "runtime-registry");
  const store = new FolderStore(root);
  await pushRelease(store, { project: "bench", prompts: compiled.prompts });
  await setAlias(store, { project: "bench", alias: "production", ref: "v0.1.0", actor: "bench" });

  const pm = new PromptManager({ registry: root, project: "bench" });
  const options = { versionOrAlias: "production", tags: { locale: "fr" } };
  await pm.getPrompt("support", options);
  const sdkGet = await measureAsync(() => pm.getPrompt("support", options));
  const sdkFormat = await measureAsync(async () => (await pm.getPrompt("support", options)).format(VALUES));
  report("1 KB template: warm getPrompt with tags", sdkGet);
  report("1 KB template: warm getPrompt + format (5 variables)", sdkFormat);

  // The guard and the render budget on the warm path: the same get, then the guarded format against the same
  // template rendered by stock nunjucks with no guard (the way PromptSync rendered before the guard), in rounds
  // that alternate, median of the rounds' medians.
  const unguarded = unguardedTemplate(TEMPLATE);
  const guardedP50: number[] = [];
  const unguardedP50: number[] = [];
  for (let round = 0; round < 7; round++) {
    guardedP50.push((await measureAsync(async () => (await pm.getPrompt("support")).format(VALUES), { iterations: 40_000 })).p50);
    unguardedP50.push(
      (
        await measureAsync(async () => {
          await pm.getPrompt("support");
          return unguarded.render(VALUES);
        }, { iterations: 40_000 })
      ).p50,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  line("1 KB template: warm get + format, guarded and budgeted", `${(median(guardedP50) * 1000).toFixed(2)} µs (median of 7 rounds' p50)`);
  line("  the same, rendered unguarded (stock nunjucks, before the guard)", `${(median(unguardedP50) * 1000).toFixed(2)} µs`);
  line("  guarded / unguarded (target ≤ 1.10)", `${(median(guardedP50) / median(unguardedP50)).toFixed(2)}×`);

  report("canary bucketing alone (sha256 of salt and key)", measureSync(() => inCanary("0123456789abcdef", "user-12345", 10)));
  await setCanary(store, { project: "bench", alias: "production", version: "v0.1.0", percentage: 50 });
  const canaryPm = new PromptManager({ registry: root, project: "bench" });
  await canaryPm.getPrompt("support", { ...options, canaryKey: "user-12345" });
  report("1 KB template: warm getPrompt, canary running, canaryKey", await measureAsync(() => canaryPm.getPrompt("support", { ...options, canaryKey: "user-12345" })));
  canaryPm.close();

  const env = new nunjucks.Environment([], { autoescape: false });
  const templates = new Map([["support", nunjucks.compile(TEMPLATE, env)]]);
  const bound = measureSync(() => templates.get("support")!.render(VALUES));
  report("lower bound: Map lookup + precompiled nunjucks render", bound);
  line("  getPrompt + format / lower bound", `${(sdkFormat.p50 / bound.p50).toFixed(2)}× (p50)`);
  pm.close();

  // Cold start and refresh cycles over loopback HTTP, through the origin `promptsync serve` runs.
  const many = compilePrompts(Array.from({ length: 1000 }, (_, i) => ({ path: `p${i}.txt`, text: `Prompt ${i}: ${TEMPLATE}` })));
  if (!many.ok) throw new Error("1,000 prompts did not compile");
  const manyRoot = join(work, "runtime-many");
  const manyStore = new FolderStore(manyRoot);
  await pushRelease(manyStore, { project: "bench", prompts: many.prompts });
  await setAlias(manyStore, { project: "bench", alias: "production", ref: "v0.1.0", actor: "bench" });
  let requests = 0;
  let bodyBytes = 0;
  const handle = originHandler(manyStore);
  const server = createServer((req, res) => {
    requests++;
    const end = res.end.bind(res);
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk instanceof Uint8Array) bodyBytes += chunk.byteLength;
      return end(chunk as never, ...(rest as []));
    }) as typeof res.end;
    void handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const cold = await measureAsync(async () => {
      const fresh = new PromptManager({ registry: url, project: "bench" });
      await fresh.getPrompt("p1");
      fresh.close();
    }, { iterations: 200 });
    report("cold start over loopback HTTP: new manager, first getPrompt", cold);

    let now = 0;
    const cached = new PromptManager({ registry: url, project: "bench", refreshInterval: 60, now: () => now });
    const heapBefore = heapUsed();
    await cached.preload({ versionOrAlias: "production" });
    for (let i = 0; i < 1000; i++) await cached.getPrompt(`p${i}`);
    const heapAfter = heapUsed();
    line("heap per 1,000 cached prompts (1 KB templates)", `${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB`);
    requests = 0;
    bodyBytes = 0;
    now += 61_000;
    await cached.refresh();
    line("requests per refresh cycle, 1,000 prompts, one alias", `${requests} request, ${bodyBytes} body bytes (304)`);
    cached.close();
  } finally {
    server.close();
  }

  await signatureBench(work, compiled.prompts);

  // What an app imports: the built package.
  const sdkEntry = join(import.meta.dirname, "../../dist/sdk/index.js");
  const importMs = Array.from({ length: 5 }, () =>
    Number(execFileSync(process.execPath, ["-e", `const t = performance.now(); await import(${JSON.stringify(sdkEntry)}); console.log(performance.now() - t)`, "--input-type=module"], { encoding: "utf8" })),
  ).sort((a, b) => a - b);
  line("import the SDK from dist/ (fresh process, median of 5)", `${importMs[2]!.toFixed(1)} ms`);
}

/**
 * Signature verification with trustedKeys: the warm get (memory only, never verifies) and the cold get (a new
 * manager's first getPrompt over loopback HTTP: pointer, then manifest, signature object and content, two
 * Ed25519 checks; the origin runs in this process, so its work for the extra request counts) against the same
 * signed registry read without trusted keys. Alternating rounds, median of p50s.
 */
async function signatureBench(work: string, prompts: readonly CompiledPrompt[]): Promise<void> {
  const root = join(work, "runtime-signed");
  const store = new FolderStore(root);
  const keys = generateSigningKeys();
  const signing = { signer: signerFromPem(keys.privateKeyPem) };
  await pushRelease(store, { project: "bench", prompts, signing });
  await setAlias(store, { project: "bench", alias: "production", ref: "v0.1.0", actor: "bench", signing });
  const trusted = { trustedKeys: [keys.publicKeyPem] };
  const options = { versionOrAlias: "production", tags: { locale: "fr" } };
  const handle = originHandler(store);
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const median = (ms: Measurement[]) => ms.map((m) => m.p50).sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
  const micro = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;
  try {
    const warm = { with: [] as Measurement[], without: [] as Measurement[] };
    const cold = { with: [] as Measurement[], without: [] as Measurement[] };
    const verifying = new PromptManager({ registry: root, project: "bench", ...trusted });
    const plain = new PromptManager({ registry: root, project: "bench" });
    await Promise.all([verifying.getPrompt("support", options), plain.getPrompt("support", options)]);
    const coldGet = (extra: object) => async () => {
      const fresh = new PromptManager({ registry: url, project: "bench", ...extra });
      await fresh.getPrompt("support", options);
      await fresh.close();
    };
    for (let round = 0; round < 6; round++) {
      // Each side goes first in half the rounds: the cold runs leave garbage for whatever follows them.
      const sides = round % 2 ? (["with", "without"] as const) : (["without", "with"] as const);
      for (const side of sides) {
        const pm = side === "with" ? verifying : plain;
        warm[side].push(await measureAsync(() => pm.getPrompt("support", options), { iterations: 40_000 }));
        cold[side].push(await measureAsync(coldGet(side === "with" ? trusted : {}), { iterations: 100 }));
      }
    }
    await Promise.all([verifying.close(), plain.close()]);
    line("warm getPrompt, trustedKeys set (median of 6 rounds' p50)", micro(median(warm.with)));
    line("  the same without trustedKeys", micro(median(warm.without)));
    line("cold get over loopback HTTP, verifying (median of 6 rounds' p50)", `${median(cold.with).toFixed(2)} ms`);
    line("  the same without trustedKeys", `${median(cold.without).toFixed(2)} ms`);
  } finally {
    server.close();
  }
}

function heapUsed(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}
