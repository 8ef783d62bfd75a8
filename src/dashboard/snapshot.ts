import { mapLimit } from "../concurrency.ts";
import { comparePrompts, type PromptChange } from "../diff/compare.ts";
import type { AliasPointer, CompiledPrompt, GitInfo } from "../formats/types.ts";
import { RegistryClient } from "../registry/read.ts";
import type { TrustedKeys } from "../signing/keys.ts";
import type { RegistryReader } from "../storage/types.ts";
import { sortByVersion } from "../formats/version.ts";
import { aliasSignatures, releaseSignatures, type SiteSignature } from "./signature-snapshot.ts";
import type { SiteTelemetry } from "./telemetry-snapshot.ts";

export type { SiteSignature } from "./signature-snapshot.ts";

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
  /** The partials the latest version uses (each version's own are in its `contents`). */
  partials: string[];
  versions: SitePromptVersion[];
  contents: Record<string, CompiledPrompt>;
}

export interface SiteAlias {
  alias: string;
  version: string;
  canary?: { version: string; percentage: number; startedAt: string };
  history: NonNullable<AliasPointer["history"]>;
  signatures: SiteSignature[];
  /** When readers that verify stop accepting the pointer, and whether that was before the snapshot. */
  expiry?: { at: string; passed: boolean };
}

export interface SiteVersion {
  version: string;
  createdAt: string;
  git?: GitInfo;
  prompts: number;
  /** The keys that signed this version's release manifest; empty when unsigned. */
  signatures: SiteSignature[];
}

/** Everything the dashboard renders, read from the registry once, before Astro runs. */
export interface SiteData {
  format: "promptsync.site-data/v1";
  project: string;
  /** The registry's address without credentials. */
  registry: string;
  generatedAt: string;
  versions: SiteVersion[];
  aliases: SiteAlias[];
  /** The key IDs signatures were verified against; undefined when the site was built without trusted keys. */
  trustedKeyIds?: string[];
  prompts: SitePrompt[];
  /** Analytics and the compatibility monitor; undefined when the site is built without telemetry. */
  telemetry?: SiteTelemetry;
}

export interface SnapshotOptions {
  now?: Date;
  /** Marks each signature verified or not; without them the site shows who signed, with no verified claim. */
  trustedKeys?: TrustedKeys;
}

/**
 * Reads a project's versions (one bundle read and one signature listing per version), aliases and canaries into
 * the data the site is built from. Each distinct prompt content is stored once, so the data grows with changes,
 * not with prompts × versions.
 */
export async function snapshotRegistry(reader: RegistryReader, project: string, options: SnapshotOptions = {}): Promise<SiteData> {
  const { now = new Date(), trustedKeys } = options;
  const client = new RegistryClient(reader, project);
  const index = await client.index();
  const aliasNames = Object.keys(index?.aliases ?? {}).sort();
  const versions = sortByVersion(index?.versions ?? [], (v) => v.version);
  const pointers = (await Promise.all(aliasNames.map((a) => client.alias(a)))).filter((p): p is AliasPointer => p !== undefined);
  // Where signatures cannot be listed (HTTP), these are the keys worth asking for.
  const pointerKeyIds = [index, ...pointers].flatMap((o) => o?.signatures ?? []).map((s) => s.keyid);
  const knownKeyIds = [...new Set([...(trustedKeys?.ids ?? []), ...pointerKeyIds])];
  const releases = await mapLimit(versions, 4, async (v) => {
    const prompts = await client.promptsAt(v.version);
    const manifest = await client.manifest(v.version);
    return { entry: v, prompts, signatures: manifest ? await releaseSignatures(reader, manifest, knownKeyIds, trustedKeys) : [] };
  });

  const prompts = new Map<string, SitePrompt>();
  const previous = new Map<string, CompiledPrompt>();
  for (const { entry, prompts: compiled } of releases) {
    for (const prompt of compiled) {
      let site = prompts.get(prompt.name);
      if (!site) {
        site = { name: prompt.name, kind: prompt.kind, latest: entry.version, aliases: [], variantTags: [], partials: [], versions: [], contents: {} };
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
        partials: Object.keys(prompt.partials ?? {}),
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
    versions: releases.map(({ entry, signatures }) => ({
      version: entry.version,
      createdAt: entry.createdAt,
      ...(entry.git && { git: entry.git }),
      prompts: entry.prompts.length,
      signatures,
    })),
    aliases: pointers.map((p) => ({
      alias: p.alias,
      version: p.version,
      ...(p.canary && { canary: { version: p.canary.version, percentage: p.canary.percentage, startedAt: p.canary.startedAt } }),
      history: p.history ?? [],
      signatures: aliasSignatures(p, trustedKeys, now),
      // As readers judge it: an expiry that is not a time has passed.
      ...(p.expires && { expiry: { at: p.expires, passed: !(Date.parse(p.expires) > now.getTime()) } }),
    })),
    ...(trustedKeys && { trustedKeyIds: trustedKeys.ids }),
    prompts: [...prompts.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}
