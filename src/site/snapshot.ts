import { mapLimit } from "../concurrency.ts";
import { comparePrompts, type PromptChange } from "../diff/compare.ts";
import type { AliasPointer, CompiledPrompt, GitInfo } from "../formats/types.ts";
import { RegistryClient } from "../registry/read.ts";
import type { RegistryReader } from "../storage/types.ts";
import { compareVersions } from "../version.ts";
import type { SiteTelemetry } from "./telemetry-snapshot.ts";

/** One version of one prompt, as the prompt page's timeline shows it. */
export interface SitePromptVersion {
  version: string;
  createdAt: string;
  git?: GitInfo;
  /** Key into the prompt's `contents`: versions that did not change the prompt share one entry. */
  hash: string;
  /** What changed since the previous version that had this prompt (empty for the first). */
  changes: PromptChange[];
}

export interface SitePrompt {
  name: string;
  title?: string;
  description?: string;
  kind: CompiledPrompt["kind"];
  latest: string;
  aliases: string[];
  variantTags: Record<string, string>[];
  versions: SitePromptVersion[];
  contents: Record<string, CompiledPrompt>;
}

export interface SiteAlias {
  alias: string;
  version: string;
  canary?: { version: string; percentage: number; startedAt: string };
  history: NonNullable<AliasPointer["history"]>;
}

/** Everything the dashboard renders, read from the registry once, before Astro runs. */
export interface SiteData {
  format: "promptsync.site-data/v1";
  project: string;
  /** The registry's address without credentials. */
  registry: string;
  generatedAt: string;
  versions: { version: string; createdAt: string; git?: GitInfo; prompts: number }[];
  aliases: SiteAlias[];
  prompts: SitePrompt[];
  /** Analytics and the compatibility monitor; undefined when the site is built without telemetry. */
  telemetry?: SiteTelemetry;
}

/**
 * Reads a project's versions (one bundle read per version), aliases and canaries into the data the site is
 * built from. Each distinct prompt content is stored once, so the data grows with changes, not with
 * prompts × versions.
 */
export async function snapshotRegistry(reader: RegistryReader, project: string, now = new Date()): Promise<SiteData> {
  const client = new RegistryClient(reader, project);
  const index = await client.index();
  const aliasNames = Object.keys(index?.aliases ?? {}).sort();
  const versions = [...(index?.versions ?? [])].sort((a, b) => compareVersions(a.version, b.version));
  const releases = await mapLimit(versions, 4, async (v) => ({ entry: v, prompts: await client.promptsAt(v.version) }));
  const pointers = (await Promise.all(aliasNames.map((a) => client.alias(a)))).filter((p): p is AliasPointer => p !== undefined);

  const prompts = new Map<string, SitePrompt>();
  const previous = new Map<string, CompiledPrompt>();
  for (const { entry, prompts: compiled } of releases) {
    for (const prompt of compiled) {
      let site = prompts.get(prompt.name);
      if (!site) {
        site = { name: prompt.name, kind: prompt.kind, latest: entry.version, aliases: [], variantTags: [], versions: [], contents: {} };
        prompts.set(prompt.name, site);
      }
      const before = previous.get(prompt.name);
      site.versions.push({
        version: entry.version,
        createdAt: entry.createdAt,
        ...(entry.git && { git: entry.git }),
        hash: prompt.hash,
        changes: before ? comparePrompts(prompt.name, before, prompt).changes : [],
      });
      site.contents[prompt.hash] ??= prompt;
      Object.assign(site, {
        latest: entry.version,
        kind: prompt.kind,
        variantTags: prompt.variants.map((v) => v.tags),
        ...(prompt.title !== undefined && { title: prompt.title }),
        ...(prompt.description !== undefined && { description: prompt.description }),
      });
      previous.set(prompt.name, prompt);
    }
  }
  for (const pointer of pointers) {
    for (const version of [pointer.version, pointer.canary?.version]) {
      const names = releases.find((r) => r.entry.version === version)?.prompts.map((p) => p.name) ?? [];
      for (const name of names) {
        const site = prompts.get(name);
        if (site && !site.aliases.includes(pointer.alias)) site.aliases.push(pointer.alias);
      }
    }
  }
  return {
    format: "promptsync.site-data/v1",
    project,
    registry: reader.url,
    generatedAt: now.toISOString(),
    versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, ...(v.git && { git: v.git }), prompts: v.prompts.length })),
    aliases: pointers.map((p) => ({
      alias: p.alias,
      version: p.version,
      ...(p.canary && { canary: { version: p.canary.version, percentage: p.canary.percentage, startedAt: p.canary.startedAt } }),
      history: p.history ?? [],
    })),
    prompts: [...prompts.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}
