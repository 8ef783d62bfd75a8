// PromptSync beside the SDKs a user would pick instead, each pointed at a loopback stub of its own API serving
// the same ~1 KB, 5-variable template (written so that Jinja and Langfuse's mustache read it alike).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { LangfuseClient } from "@langfuse/client";
import { Client, configureGlobalPromptCache } from "langsmith";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { originHandler } from "../../src/serve/origin.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { PromptManager } from "../../sdk/index.ts";
import { measureAsync, report, type Measurement } from "./measure.ts";

const TEMPLATE = `You are the support assistant of {{company}}, answering {{customer}} in a {{tone}} tone about order {{order}}.
${"Follow the company's policies carefully, cite the relevant article, and never promise refunds you cannot grant. ".repeat(8)}
The customer's tier is {{tier}}. Answer the question and stop.`;
const VALUES = { company: "Acme", customer: "John", tone: "friendly", order: "A-1", tier: "gold" };
const COUNT = 1000;

function langsmithManifest(template: string) {
  return {
    lc: 1,
    type: "constructor",
    id: ["langchain", "prompts", "prompt", "PromptTemplate"],
    kwargs: { template, input_variables: Object.keys(VALUES), template_format: "mustache" },
  };
}

/** Stubs of the Langfuse and LangSmith prompt APIs, plus the PromptSync origin, counting requests. */
async function stubServer(origin: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const counts = { langfuse: 0, langsmith: 0, promptsync: 0 };
  const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    const url = req.url ?? "";
    if (url.startsWith("/api/public/v2/prompts/")) {
      counts.langfuse++;
      const name = decodeURIComponent(url.split("/")[5]!.split("?")[0]!);
      return json(res, { id: name, name, version: 1, type: "text", prompt: TEMPLATE, config: {}, labels: ["production"], tags: [], commitMessage: null });
    }
    if (url.startsWith("/commits/")) {
      counts.langsmith++;
      return json(res, { commit_hash: "0123456789ab", manifest: langsmithManifest(TEMPLATE), examples: [] });
    }
    counts.promptsync++;
    void origin(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, close: () => server.close() };
}

/** Sub-microsecond timings are noisy on a shared machine: the best of three runs, by p50. */
async function bestOf(fn: () => Promise<unknown>): Promise<Measurement> {
  const runs: Measurement[] = [];
  for (let i = 0; i < 3; i++) runs.push(await measureAsync(fn, { iterations: 100_000 }));
  return runs.sort((a, b) => a.p50 - b.p50)[0]!;
}

function ratio(name: string, ours: Measurement, theirs: Measurement): void {
  console.log(`  PromptSync / ${name}`.padEnd(59) + `${(ours.p50 / theirs.p50).toFixed(3)}× (p50; below 1 is faster)`);
}

export async function peersBench(work: string): Promise<void> {
  const sources = Array.from({ length: COUNT }, (_, i) => ({ path: `p${i}.txt`, text: TEMPLATE }));
  const compiled = compilePrompts(sources);
  if (!compiled.ok) throw new Error("peer template did not compile");
  const store = new FolderStore(join(work, "peers-registry"));
  await pushRelease(store, { project: "bench", prompts: compiled.prompts });
  await setAlias(store, { project: "bench", alias: "production", ref: "v0.1.0", actor: "bench" });
  const stub = await stubServer(originHandler(store));
  configureGlobalPromptCache({ maxSize: COUNT * 2, ttlSeconds: 1, refreshIntervalSeconds: 1 });
  const pm = new PromptManager({ registry: stub.url, project: "bench" });
  const refreshing = new PromptManager({ registry: stub.url, project: "bench", refreshInterval: 1 });
  const langfuse = new LangfuseClient({ publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", baseUrl: stub.url });
  const langsmith = new Client({ apiUrl: stub.url, apiKey: "ls-bench" });
  try {
    await pm.getPrompt("p0");
    await langfuse.prompt.get("p0", { label: "production" });
    await langsmith.pullPromptCommit("p0");

    const ours = await bestOf(() => pm.getPrompt("p0"));
    const oursFormat = await bestOf(async () => (await pm.getPrompt("p0")).format(VALUES));
    const lf = await bestOf(() => langfuse.prompt.get("p0", { label: "production" }));
    const lfCompile = await bestOf(async () => (await langfuse.prompt.get("p0", { label: "production" })).compile(VALUES));
    const ls = await bestOf(() => langsmith.pullPromptCommit("p0"));
    report("same template: PromptSync getPrompt (warm)", ours);
    report("same template: PromptSync getPrompt + format", oursFormat);
    report("same template: @langfuse/client prompt.get (cached)", lf);
    report("same template: @langfuse/client prompt.get + compile", lfCompile);
    report("same template: langsmith pullPromptCommit (cached)", ls);
    ratio("langfuse get", ours, lf);
    ratio("langfuse get + compile", oursFormat, lfCompile);
    ratio("langsmith pullPromptCommit", ours, ls);
    console.log("  (langsmith renders through @langchain/core, which is not installed: its time is the cached pull alone)");

    // Requests per refresh cycle: every SDK holds 1,000 prompts, then its refresh period passes once.
    for (let i = 0; i < COUNT; i++) {
      await refreshing.getPrompt(`p${i}`);
      await langfuse.prompt.get(`p${i}`, { label: "production", cacheTtlSeconds: 1 });
      await langsmith.pullPromptCommit(`p${i}`);
    }
    const before = { ...stub.counts };
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < COUNT; i++) {
      await refreshing.getPrompt(`p${i}`);
      await langfuse.prompt.get(`p${i}`, { label: "production", cacheTtlSeconds: 1 });
      await langsmith.pullPromptCommit(`p${i}`);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const cycle = (sdk: keyof typeof before) => stub.counts[sdk] - before[sdk];
    console.log(`requests, 2.6 s after a 1 s TTL, ${COUNT} prompts cached`.padEnd(59) +
      `PromptSync ${cycle("promptsync")}, langfuse ${cycle("langfuse")}, langsmith ${cycle("langsmith")}`);
  } finally {
    pm.close();
    refreshing.close();
    langsmith.cleanup();
    configureGlobalPromptCache({ ttlSeconds: null, refreshIntervalSeconds: 3600 });
    // A langsmith refresh of its cache already running goes on through its list: it must end while the stub still
    // answers, or 1,000 failing refreshes retry with backoff for minutes, printing and taking CPU from later benches.
    await untilStill(() => stub.counts.langsmith);
    stub.close();
  }
}

/** Resolves once `count` has not moved for 300 ms. */
async function untilStill(count: () => number): Promise<void> {
  for (let last = -1; count() !== last; ) {
    last = count();
    await new Promise((r) => setTimeout(r, 300));
  }
}
