import { InvalidBundleError, isUnavailable, PromptNotFoundError, SourcesUnavailableError, VersionNotFoundError, type SourceAttempt } from "../src/errors.ts";
import { decodeJson, decodeYaml, verifyPromptHash } from "../src/formats/codec.ts";
import type { ReleaseManifest } from "../src/formats/types.ts";
import { mapLimit } from "../src/concurrency.ts";
import { validateCompiledPrompt, validateReleaseBundle, validateReleaseManifest } from "../src/formats/validate.ts";
import { layout } from "../src/formats/layout.ts";
import { promptNameProblem } from "../src/formats/names.ts";
import { refusingDeep } from "../src/formats/refuse-deep.ts";
import type { RenderSettings } from "../src/template/render-prompt.ts";
import type { RegistryReader } from "../src/storage/types.ts";
import { ByteLru } from "./byte-lru.ts";
import type { DiskCache } from "./disk-cache.ts";
import { LoadedPrompt } from "./loaded-prompt.ts";
import type { PromptSource } from "./prompt.ts";
import type { Verifier } from "./verifier.ts";

interface ContentStoreOptions {
  project: string;
  network: RegistryReader;
  snapshot: RegistryReader | undefined;
  disk: DiskCache | undefined;
  maxBytes: number;
  render: RenderSettings;
  /** Set when release manifests must be signed by a trusted key. */
  verifier: Verifier | undefined;
}

interface Loaded {
  loaded: LoadedPrompt;
  source: PromptSource;
}

/** What a source served, with the bytes to keep on disk once the caller has verified them. */
interface Served<T> {
  value: T;
  source: PromptSource;
  body: Uint8Array;
}

/** A manifest with the signature object that verified it, when verifying: the disk cache keeps both. */
interface VerifiedManifest {
  manifest: ReleaseManifest;
  signature: { key: string; body: Uint8Array } | undefined;
}

/**
 * Immutable content: release manifests and compiled prompts at a version. Fetched once and never revalidated;
 * kept in memory (least recently used first out, bounded by bytes) and on disk. Every prompt is checked against
 * its schema, its own hash, the hash its release manifest lists, and the template safety check, and only then
 * written to disk: the disk cache never holds what the manifest does not vouch for. With a verifier, the
 * manifest itself is accepted only with a trusted key's signature object of it, read from the same source.
 */
export class ContentStore {
  private readonly options: ContentStoreOptions;
  private readonly memory: ByteLru<LoadedPrompt>;
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly manifests = new Map<string, Promise<{ manifest: ReleaseManifest; source: PromptSource }>>();

  constructor(options: ContentStoreOptions) {
    this.options = options;
    this.memory = new ByteLru(options.maxBytes);
  }

  memoryUse(): { prompts: number; bytes: number } {
    return { prompts: this.memory.size, bytes: this.memory.bytes };
  }

  cached(version: string, name: string): LoadedPrompt | undefined {
    return this.memory.get(`${version}\u0000${name}`);
  }

  /** The prompt from disk, the network or the snapshot; concurrent callers share one load. */
  load(version: string, name: string): Promise<Loaded> {
    const key = `${version}\u0000${name}`;
    let running = this.loading.get(key);
    if (!running) {
      running = this.fetch(version, name)
        .then((result) => {
          this.memory.set(key, result.loaded, result.loaded.bytes);
          return result;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, running);
    }
    return running;
  }

  /**
   * Loads every prompt of a version from its bundle: the manifest and the bundle, side by side, whatever the
   * number of prompts. Versions published before bundles existed are loaded prompt by prompt.
   */
  async preload(version: string, skipDisk = false): Promise<string[]> {
    const key = layout.bundle(this.options.project, version);
    const missing = new Error("no bundle");
    const parse = (body: Uint8Array) => ({ bundle: decodeJson(body, key, validateReleaseBundle), bytes: body.byteLength });
    const [{ manifest }, result] = await Promise.all([
      this.manifest(version),
      this.fromSources(key, parse, () => missing, skipDisk).catch((error: unknown) => {
        if (error !== missing) throw error;
        return undefined;
      }),
    ]);
    const names = Object.keys(manifest.prompts);
    if (!result) {
      await mapLimit(names, 16, (name) => this.load(version, name));
      return names;
    }
    try {
      const { bundle, bytes } = result.value;
      if (bundle.prompts.length !== names.length) throw new InvalidBundleError(key, "the bundle does not hold the prompts its release manifest lists");
      const each = Math.ceil(bytes / Math.max(1, names.length));
      // A prompt nested too deeply for hashing or the template check is refused like any malformed object.
      const loaded = bundle.prompts.map((prompt) =>
        refusingDeep(key, () => {
          verifyPromptHash(prompt, key);
          if (manifest.prompts[prompt.name]?.hash !== prompt.hash) {
            this.unlisted(key, `"${prompt.name}" does not match the hash in the ${version} release manifest`);
          }
          return new LoadedPrompt(prompt, each, this.options.render, key);
        }, `prompt "${prompt.name}"`),
      );
      for (const prompt of loaded) this.memory.set(`${version}\u0000${prompt.compiled.name}`, prompt, prompt.bytes);
      await this.keepOnDisk(key, result);
      return names;
    } catch (error) {
      if (result.source !== "disk") throw error;
      await this.options.disk?.discard(key);
      return this.preload(version, true);
    }
  }

  /** The release manifest: it says the version exists and which hash each of its prompts has. */
  manifest(version: string): Promise<{ manifest: ReleaseManifest; source: PromptSource }> {
    let running = this.manifests.get(version);
    if (!running) {
      running = this.fetchManifest(version);
      this.manifests.set(version, running);
      running.catch(() => this.manifests.delete(version));
    }
    return running;
  }

  private async fetchManifest(version: string): Promise<{ manifest: ReleaseManifest; source: PromptSource }> {
    const key = layout.release(this.options.project, version);
    const { verifier } = this.options;
    const signatureKeys = verifier?.releaseSignatureKeys(version) ?? [];
    const decode = (body: Uint8Array, signatures: (Uint8Array | undefined)[]): VerifiedManifest => {
      const manifest = checkPromptNames(decodeJson(body, key, validateReleaseManifest), key);
      if (!verifier) return { manifest, signature: undefined };
      const i = verifier.release(key, manifest, version, signatures);
      return { manifest, signature: { key: signatureKeys[i]!, body: signatures[i]! } };
    };
    const result = await this.fromSources(key, decode, () => new VersionNotFoundError(version, this.options.project), false, signatureKeys);
    const { signature } = result.value;
    if (signature) await this.keepOnDisk(signature.key, { ...result, body: signature.body });
    await this.keepOnDisk(key, result);
    return { manifest: result.value.manifest, source: result.source };
  }

  private async fetch(version: string, name: string, skipDisk = false): Promise<Loaded> {
    const key = layout.promptDefault(this.options.project, name, version);
    const where = `project "${this.options.project}" at ${version}`;
    const parse = (body: Uint8Array) => ({ compiled: verifyPromptHash(decodeYaml(body, key, validateCompiledPrompt), key), bytes: body.byteLength });
    // The manifest and the content are fetched side by side: a cold load is one round trip after the pointer.
    const [read, content] = await Promise.allSettled([
      this.manifest(version),
      this.fromSources(key, parse, () => new PromptNotFoundError(name, where), skipDisk),
    ]);
    // Without its manifest the version does not exist, whatever the content read found.
    if (read.status === "rejected") throw read.reason as Error;
    const { manifest } = read.value;
    const listed = manifest.prompts[name];
    if (!listed) throw new PromptNotFoundError(name, where, "The name is the prompt file's path without extension.");
    if (content.status === "rejected") return this.listedButMissing(version, content.reason as Error);
    const result = content.value;
    try {
      if (result.value.compiled.hash !== listed.hash) {
        this.unlisted(key, `content does not match the hash in the ${version} release manifest`);
      }
      const loaded = refusingDeep(key, () => new LoadedPrompt(result.value.compiled, result.value.bytes, this.options.render, key), `prompt "${name}"`);
      await this.keepOnDisk(key, result);
      return { loaded, source: result.source };
    } catch (error) {
      if (result.source !== "disk") throw error;
      await this.options.disk?.discard(key);
      return this.fetch(version, name, true);
    }
  }

  /**
   * Content its manifest lists is missing. gc deletes a version's manifest before its content, so when the
   * manifest is gone from the registry too, the version was deleted while it was read (or since its manifest was
   * cached): it is VERSION_NOT_FOUND, and the manifest is forgotten. Otherwise the error stands.
   */
  private async listedButMissing(version: string, error: Error): Promise<never> {
    if (!(error instanceof PromptNotFoundError)) throw error;
    const key = layout.release(this.options.project, version);
    const gone = await this.options.network.get(key).then((object) => object === undefined, () => false);
    if (!gone) throw error;
    this.manifests.delete(version);
    await this.options.disk?.discard(key);
    throw new VersionNotFoundError(version, this.options.project);
  }

  /**
   * Disk, then the network, then the snapshot. What a source serves must decode; a corrupt disk entry is
   * discarded. A 404 from the network is authoritative; only unreachable or invalid answers move on.
   * `sideKeys` (a manifest's signature objects) are read from the same source, alongside, and may be missing.
   * When every source failed for want of the registry: a SourcesUnavailableError (getPrompt turns it into a
   * PromptUnavailableError).
   */
  private async fromSources<T>(
    key: string,
    decode: (body: Uint8Array, side: (Uint8Array | undefined)[]) => T,
    notFound: () => Error,
    skipDisk = false,
    sideKeys: readonly string[] = [],
  ): Promise<Served<T>> {
    const { disk, network, snapshot } = this.options;
    const cached = skipDisk ? undefined : await disk?.read(key);
    if (cached) {
      try {
        const side = await Promise.all(sideKeys.map((k) => disk!.read(k)));
        return { value: refusingDeep(key, () => decode(cached, side)), source: "disk", body: cached };
      } catch {
        await disk?.discard(key);
      }
    }
    const attempts: SourceAttempt[] = [];
    let lastError: unknown;
    try {
      const [object, ...side] = await Promise.all([key, ...sideKeys].map((k) => network.get(k)));
      if (!object) throw notFound();
      return { value: refusingDeep(key, () => decode(object.body, side.map((o) => o?.body))), source: "network", body: object.body };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      attempts.push({ source: "network", error: (error as Error).message });
      lastError = error;
    }
    if (snapshot) {
      try {
        const [object, ...side] = await Promise.all([key, ...sideKeys].map((k) => snapshot.get(k)));
        if (object) return { value: refusingDeep(key, () => decode(object.body, side.map((o) => o?.body))), source: "snapshot", body: object.body };
        attempts.push({ source: "snapshot", error: `${key} is not in the snapshot` });
      } catch (error) {
        attempts.push({ source: "snapshot", error: (error as Error).message });
      }
    }
    throw new SourcesUnavailableError(key, attempts, lastError);
  }

  /** Content its manifest does not list: when verifying, not bound to a signed manifest, so refused as unsigned. */
  private unlisted(key: string, problem: string): never {
    if (this.options.verifier) this.options.verifier.refuse(key, problem);
    throw new InvalidBundleError(key, problem);
  }

  /** Called once what the network served is verified: the snapshot ships with the app and needs no copy. */
  private async keepOnDisk(key: string, served: Served<unknown>): Promise<void> {
    if (served.source === "network") await this.options.disk?.write(key, served.body);
  }
}

/** Prompt names in a manifest become keys when its prompts are loaded one by one. */
function checkPromptNames(manifest: ReleaseManifest, key: string): ReleaseManifest {
  for (const name of Object.keys(manifest.prompts)) {
    const problem = promptNameProblem(name);
    if (problem !== undefined) throw new InvalidBundleError(key, `it lists an invalid prompt name: ${problem}`);
  }
  return manifest;
}
