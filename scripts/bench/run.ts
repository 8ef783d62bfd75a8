// npm run bench: prints the figures the README quotes. Nothing here asserts; targets are read by people.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { readPromptFolder } from "../../src/source/read-folder.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { PromptManager } from "../../sdk/index.ts";
import { measureAsync, measureSync, report } from "./measure.ts";
import { cliStartupBench } from "./cli-startup.ts";
import { dashboardBench } from "./dashboard.ts";
import { diffValidateBench } from "./diff-validate.ts";
import { folderPushBench } from "./folder-push.ts";
import { partialsBench } from "./partials.ts";
import { inputsBench } from "./inputs.ts";
import { peersBench } from "./peers.ts";
import { pythonBench } from "./python.ts";
import { renderBudgetBench } from "./render-budget.ts";
import { renderPreviewBench } from "./render-preview.ts";
import { s3PushBench } from "./s3-push.ts";
import { sdkRuntimeBench } from "./sdk-runtime.ts";
import { telemetryBench } from "./telemetry.ts";

const corpus = resolve(process.env.PROMPTSYNC_CORPUS_DIR ?? join(import.meta.dirname, "../../../shared/corpus/fabric-patterns"));
const examples = join(import.meta.dirname, "../../examples/prompts");
const work = await mkdtemp(join(tmpdir(), "promptsync-bench-"));

try {
  if (existsSync(corpus)) {
    const files = (await readPromptFolder(corpus)).filter((f) => !/sanitize_broken_html|write_nuclei/.test(f.path));
    report("compile 223 corpus prompts", await measureAsync(async () => {
      compilePrompts(files);
    }, { iterations: 20 }));
    const result = compilePrompts(files);
    if (!result.ok) throw new Error("corpus did not compile");
    await folderPushBench(work, result.prompts);
    await diffValidateBench(work, corpus);
  } else {
    console.log(`corpus not found at ${corpus}: corpus figures skipped`);
  }

  await cp(examples, join(work, "prompts"), { recursive: true });
  const prompts = compilePrompts(await readPromptFolder(join(work, "prompts")));
  if (!prompts.ok) throw new Error("examples did not compile");
  const store = new FolderStore(join(work, "registry"));
  await pushRelease(store, { project: "bench", prompts: prompts.prompts });
  const pm = new PromptManager({ registry: join(work, "registry"), project: "bench", cwd: work });
  const options = { versionOrAlias: "latest", tags: { locale: "en", tone: "formal" } };
  const values = { company_name: "Acme", customer_name: "John", issue: "password reset" };
  const prompt = await pm.getPrompt("customer_support", options);
  report("warm getPrompt with tags", await measureAsync(() => pm.getPrompt("customer_support", options)));
  report("warm getPrompt with tags + format", await measureAsync(async () => {
    (await pm.getPrompt("customer_support", options)).format(values);
  }));
  report("format alone", measureSync(() => prompt.format(values)));
  await pm.close();

  await cliStartupBench(work);
  await sdkRuntimeBench(work);
  await partialsBench(work);
  renderBudgetBench();
  inputsBench();
  await peersBench(work);
  pythonBench();
  await dashboardBench(work);
  await renderPreviewBench(work);
  await telemetryBench(work);
  await s3PushBench();
} finally {
  await rm(work, { recursive: true, force: true });
}
