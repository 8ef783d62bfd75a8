// Push of the corpus to a folder registry beside its floor: the same number of files of the same sizes, each
// written to a temporary file, flushed (fsync) and linked into place, 16 at a time, as create-only writes are.
import { randomBytes } from "node:crypto";
import { link, mkdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mapLimit } from "../../src/concurrency.ts";
import type { CompiledPrompt } from "../../src/formats/types.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { measureAsync, report } from "./measure.ts";
import { recordingSizes } from "./recorded-sizes.ts";

const ITERATIONS = 10;

export async function folderPushBench(work: string, prompts: readonly CompiledPrompt[]): Promise<void> {
  let n = 0;
  const sizes: number[] = [];
  await pushRelease(recordingSizes(new FolderStore(join(work, `push-${n++}`)), sizes), { project: "bench", prompts });
  const push = await measureAsync(async () => {
    await pushRelease(new FolderStore(join(work, `push-${n++}`)), { project: "bench", prompts });
  }, { iterations: ITERATIONS });
  const floor = await measureAsync(async () => {
    const root = join(work, `floor-${n++}`);
    await mapLimit(sizes, 16, async (size, i) => {
      const dir = join(root, String(i % (prompts.length + 1)));
      await mkdir(dir, { recursive: true });
      const temp = join(dir, `.${randomBytes(8).toString("hex")}.tmp`);
      await writeFile(temp, new Uint8Array(size), { flush: true, flag: "wx" });
      await link(temp, join(dir, String(i)));
      await unlink(temp);
    });
  }, { iterations: ITERATIONS });
  report(`push ${prompts.length} prompts to a folder registry (new version each)`, push);
  report(`floor: ${sizes.length} flushed create-only file writes ×16`, floor);
  console.log(`${"push vs floor (p50)".padEnd(58)} ${(push.p50 / floor.p50).toFixed(2)}×`);
}
