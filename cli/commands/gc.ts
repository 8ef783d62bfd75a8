import { parseDuration } from "../../src/duration.ts";
import { UsageError } from "../../src/errors.ts";
import { applyGc, formatWindow, planGc, type GcPlan, type GcResult, type GcVersion } from "../../src/registry/gc.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { writeOptions } from "../options/global.ts";
import { table } from "../output.ts";
import { progressBar } from "../progress.ts";

export const DEFAULT_KEEP_LAST = 10;
export const DEFAULT_OLDER_THAN = "90d";

interface GcOptions extends GlobalOptions {
  keepLast?: string;
  olderThan?: string;
  dryRun?: boolean;
  yes?: boolean;
}

interface GcOutput {
  project: string;
  registry: string;
  dryRun: boolean;
  now: string;
  policy: { keepLast: number; olderThan: string; cutoff: string };
  versions: GcVersion[];
  totals: GcPlan["totals"];
  /** What --yes deleted. */
  result?: GcResult;
}

export const registerGc = defineCommand({
  command: "gc",
  description: "Delete versions nothing needs any more: no alias or canary points to them (or did within --older-than), not among the newest --keep-last, pushed before --older-than. A dry run unless --yes",
  options: [
    (command) =>
      command
        .option("--keep-last <n>", `always keep the newest n versions (default ${DEFAULT_KEEP_LAST})`)
        .option("--older-than <duration>", `keep versions pushed, and versions an alias or canary pointed to, within this window: 90d, 12h, 30m (default ${DEFAULT_OLDER_THAN})`)
        .option("--dry-run", "print the plan and delete nothing (the default)")
        .option("--yes", "delete what the plan marks"),
    writeOptions,
  ],
  parse: (options: GcOptions) => {
    const keepLastText = options.keepLast ?? String(DEFAULT_KEEP_LAST);
    if (!/^\d+$/.test(keepLastText.trim()) || !Number.isSafeInteger(Number(keepLastText))) {
      throw new UsageError(`--keep-last: "${keepLastText}" is not a whole number of versions`, "Write --keep-last 10 (0 keeps only what aliases, canaries, the window and `latest` hold).");
    }
    const olderThan = options.olderThan ?? DEFAULT_OLDER_THAN;
    const olderThanMs = parseDuration(olderThan);
    if (olderThanMs === undefined) {
      throw new UsageError(`--older-than: "${olderThan}" is not a duration such as 90d, 12h or 30m`);
    }
    if (options.dryRun && options.yes) throw new UsageError("--dry-run and --yes contradict each other", "Leave out --yes for a dry run, or --dry-run to delete.");
    return { ...options, keepLast: Number(keepLastText), olderThanMs, apply: options.yes === true };
  },
  run: async (ctx, options): Promise<GcOutput> => {
    const project = await ctx.project();
    const store = await ctx.store();
    // Resolved before anything is deleted: a key that cannot be read stops gc with nothing changed.
    const signing = options.apply ? await ctx.signing() : undefined;
    const now = new Date();
    const plan = await planGc(store, { project, keepLast: options.keepLast, olderThanMs: options.olderThanMs, now });
    const output: GcOutput = {
      project,
      registry: ctx.registry.display,
      dryRun: !options.apply,
      now: plan.now,
      policy: { keepLast: plan.keepLast, olderThan: formatWindow(plan.olderThanMs), cutoff: plan.cutoff },
      versions: plan.versions,
      totals: plan.totals,
    };
    if (!options.apply) return output;
    const onProgress = progressBar("Deleting", { json: ctx.json });
    const result = await applyGc(store, plan, { now, ...(signing && { signing }), ...(onProgress && { onProgress }) });
    return { ...output, result };
  },
  text: (output) => {
    const { policy, totals, result } = output;
    const lines = [
      `Project ${output.project} (${output.registry}): keeps the newest ${policy.keepLast}, \`latest\`, what an alias or canary points to` +
        (policy.cutoff === output.now ? "" : `, and what was pushed or pointed to within ${policy.olderThan} (since ${policy.cutoff})`),
    ];
    if (output.versions.length === 0) return [...lines, "No versions."];
    lines.push(
      "",
      table([
        ["VERSION", "PUSHED", "SIZE", "OBJECTS", "ACTION"],
        ...output.versions.map((v) => [
          v.version,
          v.pushedAt ? shortTime(v.pushedAt) : "-",
          humanBytes(v.bytes),
          String(v.objects.length),
          `${v.action === "delete" ? "DELETE" : "keep"}${v.published ? "" : " (unpublished)"}: ${v.reasons.join("; ")}`,
        ]),
      ]),
      "",
      `${plural(totals.versions, "version")}, ${plural(totals.objects, "object")}, ${humanBytes(totals.bytes)}; ` +
        (totals.delete.versions === 0
          ? "nothing to delete"
          : `to delete: ${plural(totals.delete.versions, "version")}, ${plural(totals.delete.objects, "object")}, ${humanBytes(totals.delete.bytes)}`),
    );
    if (!result) {
      if (totals.delete.versions > 0) lines.push("dry run: nothing deleted; run with --yes to delete");
      return lines;
    }
    for (const s of result.spared) lines.push(`kept ${s.version}: ${s.reason}`);
    lines.push(`Deleted ${plural(result.deleted.length, "version")} (${plural(result.objects, "object")}, ${humanBytes(result.bytes)})${result.deleted.length ? `: ${result.deleted.join(", ")}` : ""}`);
    return lines;
  },
});

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** 2026-11-24T08:54:38.802Z → 2026-11-24 08:54 */
function shortTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso;
}

function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
