import { detectProject, loadConfig } from "../src/config.ts";
import { InvalidBundleError, NetworkError, PromptNotFoundError } from "../src/errors.ts";
import { decodeYaml, verifyPromptHash } from "../src/formats/codec.ts";
import type { CompiledPrompt, Tags } from "../src/formats/types.ts";
import { validateCompiledPrompt } from "../src/formats/validate.ts";
import { layout } from "../src/layout.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { materializePrompt, type RenderableBody } from "../src/render.ts";
import { openReader, parseRegistryLocation } from "../src/storage/open.ts";
import { selectVariant } from "../src/variants.ts";
import { isVersion } from "../src/version.ts";
import { DiskCache } from "./disk-cache.ts";
import { resolveOptions, type PromptManagerOptions, type ResolvedOptions } from "./options.ts";
import { Prompt, type PromptOrigin } from "./prompt.ts";

export interface GetPromptOptions {
  /** A version (v1.2.0), an alias (production) or `latest`. @default the manager's defaultVersionOrAlias */
  versionOrAlias?: string;
  /** Use the local prompt file when the registry cannot be reached or serves something invalid. @default false */
  fallbackToLocal?: boolean;
  /** Select a variant: the variant whose tags all match, with the most tags, wins. */
  tags?: Tags;
}

/** A compiled prompt with its templates compiled once, and the Prompt objects handed out for it. */
class LoadedPrompt {
  readonly compiled: CompiledPrompt;
  readonly origin: PromptOrigin;
  private readonly bodies: Map<string | undefined, RenderableBody>;
  private readonly handed = new Map<string, Prompt>();

  constructor(compiled: CompiledPrompt, origin: PromptOrigin, strict: boolean, source: string) {
    this.compiled = compiled;
    this.origin = origin;
    this.bodies = materializePrompt(compiled, { strict, origin: source });
  }

  prompt(project: string | undefined, version: string, alias: string | undefined, tags: Tags | undefined): Prompt {
    const variant = selectVariant(this.compiled.variants, tags);
    const key = `${alias ?? ""}\u0000${variant?.id ?? ""}`;
    let prompt = this.handed.get(key);
    if (!prompt) {
      prompt = new Prompt(this.compiled, this.bodies.get(variant?.id)!, { project, version, alias, origin: this.origin });
      this.handed.set(key, prompt);
    }
    return prompt;
  }
}

interface ResolvedRef {
  version: string;
  alias: string | undefined;
  /** When the alias must be read again (ms since epoch); Infinity for versions. */
  expiresAt: number;
}

interface RegistryMode {
  kind: "registry";
  client: RegistryClient;
  project: string;
  disk: DiskCache | undefined;
  url: string;
}

interface LocalMode {
  kind: "local";
  project: string | undefined;
}

/**
 * Reads prompts from a registry (HTTP, CDN or folder) with no server in between, or compiles the local prompts
 * folder when no registry is configured.
 */
export class PromptManager {
  private readonly options: ResolvedOptions;
  private mode: Promise<RegistryMode | LocalMode> | undefined;
  private readonly refs = new Map<string, ResolvedRef>();
  private readonly loaded = new Map<string, Promise<LoadedPrompt>>();
  private local: Promise<Map<string, LoadedPrompt>> | undefined;

  constructor(options: PromptManagerOptions = {}) {
    this.options = resolveOptions(options);
  }

  /** A prompt at a version or alias, with a variant selected by tags. */
  async getPrompt(name: string, options: GetPromptOptions = {}): Promise<Prompt> {
    const mode = await (this.mode ??= this.detectMode());
    if (mode.kind === "local") return this.localPrompt(name, options.tags, mode.project);
    try {
      const ref = await this.resolveRef(mode, options.versionOrAlias ?? this.options.defaultVersionOrAlias);
      const loaded = await this.load(mode, ref.version, name);
      return loaded.prompt(mode.project, ref.version, ref.alias, options.tags);
    } catch (error) {
      if (options.fallbackToLocal && (error instanceof NetworkError || error instanceof InvalidBundleError)) {
        return this.localPrompt(name, options.tags, mode.project);
      }
      throw error;
    }
  }

  private async detectMode(): Promise<RegistryMode | LocalMode> {
    const { cwd } = this.options;
    const config = this.options.registry && this.options.project ? undefined : await loadConfig(cwd);
    const registry = this.options.registry ?? config?.config.publicUrl ?? config?.config.registry;
    if (!registry) return { kind: "local", project: this.options.project ?? config?.config.project };
    const project = this.options.project ?? (await detectProject(cwd, undefined, config?.config ?? {})).project;
    const location = parseRegistryLocation(registry, config?.config.registry === registry ? config.dir : cwd);
    const reader = await openReader(location, { fetch: this.options.fetch, timeoutMs: this.options.timeoutMs });
    return {
      kind: "registry",
      client: new RegistryClient(reader, project),
      project,
      url: reader.url,
      disk: this.options.cacheDir ? new DiskCache(this.options.cacheDir, reader.url) : undefined,
    };
  }

  private async resolveRef(mode: RegistryMode, ref: string): Promise<ResolvedRef> {
    const now = this.options.now();
    const cached = this.refs.get(ref);
    if (cached && cached.expiresAt > now) return cached;
    // A version exists once its manifest does, and then forever; an alias moves.
    const { version, alias } = await mode.client.resolve(ref);
    const resolved = { version, alias, expiresAt: isVersion(ref) ? Number.POSITIVE_INFINITY : now + this.options.refreshIntervalMs };
    this.refs.set(ref, resolved);
    return resolved;
  }

  private load(mode: RegistryMode, version: string, name: string): Promise<LoadedPrompt> {
    const key = `${version}\u0000${name}`;
    let loading = this.loaded.get(key);
    if (!loading) {
      loading = this.fetchPrompt(mode, version, name);
      this.loaded.set(key, loading);
      // A failure is not cached: the next call tries again.
      loading.catch(() => this.loaded.delete(key));
    }
    return loading;
  }

  private async fetchPrompt(mode: RegistryMode, version: string, name: string): Promise<LoadedPrompt> {
    const key = layout.promptDefault(mode.project, name, version);
    const cached = await mode.disk?.read(key);
    if (cached) {
      try {
        const compiled = verifyPromptHash(decodeYaml(cached, key, validateCompiledPrompt), key);
        return new LoadedPrompt(compiled, "disk", this.options.strict, mode.url);
      } catch {
        await mode.disk?.discard(key);
      }
    }
    const object = await mode.client.reader.get(key);
    if (!object) throw new PromptNotFoundError(name, `project "${mode.project}" at ${version}`);
    const compiled = verifyPromptHash(decodeYaml(object.body, key, validateCompiledPrompt), key);
    const loaded = new LoadedPrompt(compiled, "registry", this.options.strict, mode.url);
    await mode.disk?.write(key, object.body);
    return loaded;
  }

  private async localPrompt(name: string, tags: Tags | undefined, project: string | undefined): Promise<Prompt> {
    this.local ??= this.compileLocal();
    this.local.catch(() => (this.local = undefined));
    const loaded = (await this.local).get(name);
    if (!loaded) {
      throw new PromptNotFoundError(name, `the local prompts folder ${this.options.promptsDir}`,
        "The name is the file's path below the prompts folder, without extension.");
    }
    return loaded.prompt(project, "local", undefined, tags);
  }

  private async compileLocal(): Promise<Map<string, LoadedPrompt>> {
    // The compiler (YAML source parsing, diagnostics) loads only when local files are compiled.
    const { compileFolder } = await import("../src/compiler/folder.ts");
    const prompts = await compileFolder(this.options.promptsDir);
    return new Map(prompts.map((p) => [p.name, new LoadedPrompt(p, "local", this.options.strict, this.options.promptsDir)]));
  }
}

