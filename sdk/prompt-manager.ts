import { randomUUID } from "node:crypto";
import type { RenderSettings } from "../src/template/render-prompt.ts";
import { inCanary } from "../src/registry/canary-bucket.ts";
import { trackingMetadata } from "../src/telemetry/tracking.ts";
import type { Metrics, ServedPrompt } from "../src/formats/telemetry-events.ts";
import { detectProject, loadConfig } from "../src/project/config.ts";
import { isUnavailable, PromptNotFoundError, PromptUnavailableError, SourcesUnavailableError, UsageError } from "../src/errors.ts";
import type { PromptDiff } from "../src/diff/compare.ts";
import type { CompiledPrompt, Tags } from "../src/formats/types.ts";
import { openReader, parseRegistryLocation, type RegistryLocation } from "../src/storage/open.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { isVersion, normalizeVersion } from "../src/formats/version.ts";
import { assertPromptName, assertVersionOrAlias } from "../src/formats/names.ts";
import { mapLimit } from "../src/concurrency.ts";
import { ContentStore } from "./contents.ts";
import { DiskCache } from "./disk-cache.ts";
import { LoadedPrompt } from "./loaded-prompt.ts";
import { resolveOptions, type PromptManagerOptions, type ResolvedOptions } from "./options.ts";
import { PointerCache } from "./pointers.ts";
import type { Prompt } from "./prompt.ts";
import type { PromptCatalog, UntypedCatalog } from "./typed-prompts.ts";
import type { TelemetryConnection } from "./telemetry/connect.ts";
import { servedOf, TelemetryRecorder, type TelemetryStats } from "./telemetry/recorder.ts";
import { Verifier } from "./verifier.ts";
import { annotateSpan, loadOpenTelemetry, type SpanLike } from "./telemetry/open-telemetry.ts";

/** A prompt getPrompt returned, or its `id`. */
export type PromptReference = { prompt: Prompt } | { promptId: string };

export interface GetPromptOptions {
  /** A version (v1.2.0), an alias (production) or `latest`. @default the manager's defaultVersionOrAlias */
  versionOrAlias?: string;
  /**
   * With a registry: serve the local prompt file (version "local") when neither the caches, the registry nor the
   * snapshot can be read (network errors, timeouts, 5xx). Not when the registry answers that the prompt, version or
   * alias does not exist: those errors are thrown as they are. Without a registry (local mode) local files are
   * always served, whatever this says.
   * @default false
   */
  fallbackToLocal?: boolean;
  /** Select a variant: the variant whose tags all match, with the most tags, wins. */
  tags?: Tags;
  /**
   * Who this call is for (a user or session ID): the same key always lands on the same side of a canary.
   * @default a random key per PromptManager, so a process sticks to one side
   */
  canaryKey?: string;
  /** Follow a canary running on the alias. @default the manager's respectCanary */
  respectCanary?: boolean;
  /**
   * The OpenTelemetry span to set the prompt's attributes on (docs/telemetry.md#opentelemetry).
   * @default the active span, when @opentelemetry/api is installed
   */
  span?: SpanLike;
}

interface RegistryMode {
  kind: "registry";
  project: string;
  pointers: PointerCache;
  contents: ContentStore;
  /** The prompt names read through each alias, loaded ahead when the alias moves. */
  inUse: Map<string, Set<string>>;
}

interface LocalMode {
  kind: "local";
  project: string | undefined;
}

interface Target {
  version: string;
  alias: string | undefined;
  stale: boolean;
  canary?: { version: string; percentage: number; salt: string } | undefined;
}

/** What a refresh changed on an alias (or `latest`): the version it serves, or its canary. */
export interface AliasChange {
  alias: string;
  from: string;
  to: string;
  /** The canary running after the change; undefined when none runs. */
  canary: { version: string; percentage: number } | undefined;
}

/** getPrompt's options, with the variant tags a typed prompt declares. */
export type PromptOptions<Tagged extends { tags: object }> = Omit<GetPromptOptions, "tags"> & { tags?: Tagged["tags"] };

/**
 * Reads prompts from a registry (HTTP, CDN or folder) with no server in between, or compiles the local prompts
 * folder when no registry is configured. Serving order: memory, disk cache, registry, snapshot, local files.
 * `P` is the `Prompts` interface `promptsync types` writes: getPrompt then takes only its prompt names and tags,
 * and each prompt's methods its variables (sdk/typed-prompts.ts).
 */
export class PromptManager<P extends PromptCatalog<P> = UntypedCatalog> {
  private readonly options: ResolvedOptions;
  private mode: RegistryMode | LocalMode | undefined;
  private detecting: Promise<RegistryMode | LocalMode> | undefined;
  private local: Promise<Map<string, LoadedPrompt>> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Versions asked for by reference and confirmed by their manifest: immutable, so never asked again. */
  private readonly knownVersions = new Map<string, Target>();
  private readonly canaryKey = randomUUID();
  private readonly telemetry: TelemetryRecorder;
  /** Loading @opentelemetry/api, if installed: the first getPrompt waits for it, so the first format() is covered. */
  private readonly openTelemetry = loadOpenTelemetry();
  /** Where the manager reads from, once known: the registry sink writes there. */
  private location: RegistryLocation | undefined;
  /** Set once the registry is known, when trustedKeys are. */
  private verifier: Verifier | undefined;
  private readonly changeListeners = new Set<(change: AliasChange) => void>();
  /** The local-mode warning was emitted. */
  private warnedLocalMode = false;

  constructor(options: PromptManagerOptions = {}) {
    this.options = resolveOptions(options);
    this.telemetry = new TelemetryRecorder({
      settings: this.options.telemetry,
      client: this.options.clientId,
      now: this.options.now,
      connect: () => this.connectTelemetry(),
      signatureRefusals: this.options.trust && (() => this.verifier?.refusals ?? 0),
    });
  }

  /** A prompt at a version or alias, with a variant selected by tags. */
  getPrompt<Name extends keyof P & string>(name: Name, options: PromptOptions<P[Name]> = {}): Promise<Prompt<P[Name]>> {
    // The hot path stays synchronous: no async state machine when everything is in memory.
    const cached = this.fromMemory(name, options as GetPromptOptions);
    if (cached) annotateSpan(cached, options.span);
    return (cached ? Promise.resolve(cached) : this.load(name, options as GetPromptOptions)) as unknown as Promise<Prompt<P[Name]>>;
  }

  private fromMemory(name: string, options: GetPromptOptions): Prompt | undefined {
    const mode = this.mode;
    if (mode?.kind !== "registry") return undefined;
    const ref = options.versionOrAlias ?? this.options.defaultVersionOrAlias;
    const target = this.knownVersions.get(ref) ?? (mode.pointers.peek(ref) && mode.pointers.resolve(ref));
    if (!target || target instanceof Promise) return undefined;
    const canary = this.choosesCanary(target, options);
    const version = canary ? target.canary!.version : target.version;
    const hit = mode.contents.cached(version, name);
    if (!hit) return undefined;
    if (target.alias) this.track(mode, target.alias, name);
    const prompt = hit.prompt({ project: mode.project, version, alias: target.alias, source: "memory", stale: target.stale, canary }, options.tags);
    this.telemetry.served(prompt);
    return prompt;
  }

  private async load(name: string, options: GetPromptOptions): Promise<Prompt> {
    const [prompt] = await Promise.all([this.resolvePrompt(name, options), this.openTelemetry]);
    this.telemetry.served(prompt);
    annotateSpan(prompt, options.span);
    return prompt;
  }

  /** Off the hot path: memory only ever holds names and references that passed these checks. */
  private async resolvePrompt(name: string, options: GetPromptOptions): Promise<Prompt> {
    assertPromptName(name);
    const ref = assertVersionOrAlias(options.versionOrAlias ?? this.options.defaultVersionOrAlias);
    const mode = this.mode ?? (await (this.detecting ??= this.detectMode()));
    if (mode.kind === "local") {
      this.ignoredInLocalMode(options.versionOrAlias);
      return this.localPrompt(name, options.tags, mode.project);
    }
    try {
      const target = await this.target(mode, ref);
      if (target.alias) this.track(mode, target.alias, name);
      const canary = this.choosesCanary(target, options);
      const version = canary ? target.canary!.version : target.version;
      const hit = mode.contents.cached(version, name);
      if (hit) return hit.prompt({ project: mode.project, version, alias: target.alias, source: "memory", stale: target.stale, canary }, options.tags);
      const { loaded, source } = await mode.contents.load(version, name);
      return loaded.prompt({ project: mode.project, version, alias: target.alias, source, stale: target.stale || source === "snapshot", canary }, options.tags);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const tried = error instanceof SourcesUnavailableError;
      const attempts = tried ? [...error.attempts] : [{ source: "network" as const, error: (error as Error).message }];
      const cause = tried ? error.cause : error;
      if (options.fallbackToLocal) {
        try {
          return await this.localPrompt(name, options.tags, mode.project);
        } catch (localError) {
          attempts.push({ source: "local", error: (localError as Error).message });
        }
      }
      throw new PromptUnavailableError(name, ref, attempts, cause);
    }
  }

  /**
   * A flat string map for the `metadata` of an LLM call (OpenAI's limits: 16 keys, 64-character keys,
   * 512-character values): the prompt's project, name, version, variant, alias and canary side, plus `context`.
   */
  createTrackingMetadata(options: PromptReference & { context?: Readonly<Record<string, unknown>> }): Record<string, string> {
    return trackingMetadata(this.projectOf(options), this.servedPrompt(options), options.context);
  }

  /**
   * Records the outcome of an LLM call made with a prompt (`success`, `latency_ms`, and any other numbers or
   * booleans) for `promptsync analytics`. Returns at once: events are buffered and sent in the background. A
   * no-op when telemetry is off.
   */
  reportMetrics(options: PromptReference & { metrics: Metrics }): void {
    this.telemetry.report(this.servedPrompt(options), options.metrics);
  }

  /**
   * What telemetry holds and has sent: buffered and dropped events (exact), flushes that failed and why;
   * undefined when telemetry is off.
   */
  telemetryStats(): TelemetryStats | undefined {
    return this.options.telemetry && this.telemetry.stats();
  }

  /** Sends buffered telemetry now instead of at the next interval; never rejects (see telemetryStats()). */
  flushTelemetry(): Promise<void> {
    return this.telemetry.flush();
  }

  private servedPrompt(reference: PromptReference): ServedPrompt {
    if ("prompt" in reference && reference.prompt) return servedOf(reference.prompt);
    const id = (reference as { promptId?: unknown }).promptId;
    if (typeof id !== "string") throw new UsageError("Pass `prompt` (a Prompt from getPrompt) or `promptId` (its id)");
    return this.telemetry.lookup(id);
  }

  private projectOf(reference: PromptReference): string | undefined {
    return ("prompt" in reference && reference.prompt?.project) || this.mode?.project || this.options.project;
  }

  /**
   * What changed in a prompt between two versions or aliases (`"local"` for the local files): the same
   * structured changes as `promptsync diff --format json` (`diff.changes`).
   */
  async diff(name: string, from: string, to: string): Promise<PromptDiff> {
    assertPromptName(name);
    for (const ref of [from, to]) if (ref !== "local") assertVersionOrAlias(ref);
    const [before, after] = await Promise.all([this.compiledAt(name, from), this.compiledAt(name, to)]);
    if (!before && !after) throw new PromptNotFoundError(name, `${from} or ${to}`);
    // The diff engine loads only when a diff is asked for.
    const { comparePrompts } = await import("../src/diff/compare.ts");
    return comparePrompts(name, before, after);
  }

  private async compiledAt(name: string, ref: string): Promise<CompiledPrompt | undefined> {
    const mode = this.mode ?? (await (this.detecting ??= this.detectMode()));
    if (ref === "local" || mode.kind === "local") {
      if (ref !== "local") this.ignoredInLocalMode(ref);
      this.local ??= this.compileLocal();
      return (await this.local).get(name)?.compiled;
    }
    const { version } = await this.target(mode, ref);
    try {
      return (await mode.contents.load(version, name)).loaded.compiled;
    } catch (error) {
      if (error instanceof PromptNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Loads every prompt of a version or alias into memory (and the disk cache) in a bounded number of requests,
   * independent of the prompt count: the pointer, then the release manifest and the version's bundle.
   */
  async preload(options: { versionOrAlias?: string } = {}): Promise<{ version: string; prompts: number }> {
    const ref = assertVersionOrAlias(options.versionOrAlias ?? this.options.defaultVersionOrAlias);
    const mode = this.mode ?? (await (this.detecting ??= this.detectMode()));
    if (mode.kind === "local") {
      this.ignoredInLocalMode(options.versionOrAlias);
      this.local ??= this.compileLocal();
      return { version: "local", prompts: (await this.local).size };
    }
    const target = await this.target(mode, ref);
    const names = await mode.contents.preload(target.version);
    if (target.alias) for (const name of names) this.track(mode, target.alias, name);
    return { version: target.version, prompts: names.length };
  }

  /**
   * Revalidates every alias in use now (the periodic refresher calls this every refreshInterval). An alias that
   * moved is switched only after the new version's prompts in use are loaded.
   */
  async refresh(): Promise<void> {
    const mode = this.mode;
    if (mode?.kind !== "registry") return;
    await Promise.all(mode.pointers.refs().map((ref) => mode.pointers.refresh(ref).catch(() => undefined)));
  }

  /**
   * What the memory cache holds: compiled prompts and their approximate bytes, against `maxCacheSize`; and how
   * many registry objects were refused because no trusted key vouched for them (0 without trustedKeys).
   */
  cacheStats(): { prompts: number; bytes: number; maxBytes: number; signatureRefusals: number } {
    const use = this.mode?.kind === "registry" ? this.mode.contents.memoryUse() : { prompts: 0, bytes: 0 };
    return { ...use, maxBytes: this.options.maxCacheBytes, signatureRefusals: this.verifier?.refusals ?? 0 };
  }

  /**
   * Stops the periodic refresh and telemetry, and sends the telemetry still buffered (waiting at most
   * `timeoutMs`), so that the process can exit without losing it.
   */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.telemetry.close(this.options.timeoutMs);
  }

  private target(mode: RegistryMode, ref: string): Target | Promise<Target> {
    if (isVersion(ref)) {
      // A version exists once its manifest does, and then forever.
      const version = normalizeVersion(ref);
      return mode.contents.manifest(version).then(({ source }) => {
        const target = { version, alias: undefined, stale: source === "snapshot" };
        this.knownVersions.set(ref, target);
        return target;
      });
    }
    return mode.pointers.resolve(ref);
  }

  /**
   * Local mode serves the local files whatever version or alias is asked for (`asked`, else an explicit
   * defaultVersionOrAlias): a UsageError with strictLocalMode, else one warning per manager.
   */
  private ignoredInLocalMode(asked: string | undefined): void {
    const ref = asked ?? (this.options.defaultVersionOrAliasGiven ? this.options.defaultVersionOrAlias : undefined);
    if (ref === undefined) return;
    const message = `No registry is configured, so PromptManager serves the local prompt files in ${this.options.promptsDir}: "${ref}" is ignored`;
    const suggestion = "Set the `registry` option, PROMPTSYNC_REGISTRY, or publicUrl/registry in promptsync.config.yaml to read versions and aliases";
    if (this.options.strictLocalMode) throw new UsageError(message, suggestion);
    if (this.warnedLocalMode) return;
    this.warnedLocalMode = true;
    process.emitWarning(`${message}. ${suggestion}.`, { code: "PROMPTSYNC_LOCAL_MODE" });
  }

  /** Sticky: the call's canaryKey (a user, a session), else this manager's own random key. */
  private choosesCanary(target: Target, options: GetPromptOptions): boolean {
    const canary = target.canary;
    if (!canary || !(options.respectCanary ?? this.options.respectCanary)) return false;
    return inCanary(canary.salt, options.canaryKey ?? this.canaryKey, canary.percentage);
  }

  private track(mode: RegistryMode, alias: string, name: string): void {
    let names = mode.inUse.get(alias);
    if (!names) mode.inUse.set(alias, (names = new Set()));
    names.add(name);
  }

  private async detectMode(): Promise<RegistryMode | LocalMode> {
    const { cwd } = this.options;
    const config = this.options.registry && this.options.project ? undefined : await loadConfig(cwd);
    const registry = this.options.registry ?? config?.config.publicUrl ?? config?.config.registry;
    if (!registry) return (this.mode = { kind: "local", project: this.options.project ?? config?.config.project });
    const project = this.options.project ?? (await detectProject(cwd, undefined, config?.config ?? {})).project;
    const location = parseRegistryLocation(registry, config?.config.registry === registry ? config.dir : cwd);
    this.location = location;
    const network = await openReader(location, { fetch: this.options.fetch, timeoutMs: this.options.timeoutMs, retries: this.options.retries });
    const disk = this.options.cacheDir ? new DiskCache(this.options.cacheDir, network.url) : undefined;
    const snapshot = this.options.snapshotDir ? new FolderStore(this.options.snapshotDir) : undefined;
    const verifier = this.options.trust && new Verifier(this.options.trust, project, disk);
    this.verifier = verifier;
    const contents = new ContentStore({ project, network, snapshot, disk, maxBytes: this.options.maxCacheBytes, render: this.renderSettings(), verifier });
    const inUse = new Map<string, Set<string>>();
    const pointers = new PointerCache({
      project,
      network,
      snapshot,
      disk,
      now: this.options.now,
      memoryTtlMs: this.options.memoryTtlMs,
      fileTtlMs: this.options.fileTtlMs,
      startupRevalidationMs: this.options.startupRevalidationMs,
      strategy: this.options.refreshStrategy,
      verifier,
      changed: (alias, from, to) => this.emitChange({
        alias,
        from: from.version,
        to: to.version,
        canary: to.canary && { version: to.canary.version, percentage: to.canary.percentage },
      }),
      prepare: async (alias, versions) => {
        const names = [...(inUse.get(alias) ?? [])];
        for (const version of versions) {
          // Many prompts in use: the version's bundle is one request instead of one per prompt.
          if (names.length > 8) {
            await contents.preload(version);
            continue;
          }
          await mapLimit(names, 8, (name) =>
            contents.load(version, name).catch((error: unknown) => {
              // A prompt the new version no longer has is simply not served from it.
              if (!(error instanceof PromptNotFoundError)) throw error;
            }),
          );
        }
      },
    });
    if (this.options.refreshStrategy !== "none" && this.options.refreshIntervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
      this.timer.unref();
    }
    return (this.mode = { kind: "registry", project, pointers, contents, inUse });
  }

  /**
   * Calls `listener` when a refresh moves an alias (or `latest`) in use to another version, or starts, moves,
   * changes or ends its canary: after the new version's prompts in use are loaded, so a listener that logs or warms
   * up sees what getPrompt now serves. A listener's error is its own: it never stops the refresh or the others.
   * Returns a function that removes the listener.
   */
  on(event: "change", listener: (change: AliasChange) => void): () => void {
    if (event !== "change") throw new UsageError(`PromptManager emits "change" events, not "${String(event)}"`);
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private emitChange(change: AliasChange): void {
    for (const listener of this.changeListeners) {
      try {
        listener(change);
      } catch {
        // The listener's own failure: serving goes on.
      }
    }
  }

  /** The first flush decides where telemetry goes: loaded only then, so apps without it never load a sink. */
  private async connectTelemetry(): Promise<TelemetryConnection> {
    const mode = this.mode ?? (await (this.detecting ??= this.detectMode()));
    const { connectTelemetry } = await import("./telemetry/connect.ts");
    return connectTelemetry(this.options, mode.project, this.location);
  }

  private async localPrompt(name: string, tags: Tags | undefined, project: string | undefined): Promise<Prompt> {
    this.local ??= this.compileLocal();
    this.local.catch(() => (this.local = undefined));
    const loaded = (await this.local).get(name);
    if (!loaded) {
      throw new PromptNotFoundError(name, `the local prompts folder ${this.options.promptsDir}`,
        "The name is the file's path below the prompts folder, without extension.");
    }
    return loaded.prompt({ project, version: "local", alias: undefined, source: "local", stale: false, canary: false }, tags);
  }

  private renderSettings(): RenderSettings {
    return { strict: this.options.strict, limits: this.options.renderLimits };
  }

  private async compileLocal(): Promise<Map<string, LoadedPrompt>> {
    // The compiler (YAML source parsing, diagnostics) loads only when local files are compiled.
    const { compileFolder } = await import("../src/compiler/folder.ts");
    const prompts = await compileFolder(this.options.promptsDir);
    return new Map(prompts.map((p) => [p.name, new LoadedPrompt(p, 0, this.renderSettings(), this.options.promptsDir)]));
  }
}
