import { mapLimit } from "../concurrency.ts";
import { AliasNotFoundError, InvalidBundleError, PromptNotFoundError, VersionNotFoundError } from "../errors.ts";
import { decodeJson, verifyPromptHash } from "../formats/json-codec.ts";
import type { AliasPointer, CommitInterface, CompiledPrompt, ProjectIndex, ReleaseManifest } from "../formats/types.ts";
import { validateAlias, validateProjectIndex, validateReleaseManifest } from "../formats/validate-pointers.ts";
import { layout } from "../formats/layout.ts";
import { isValidAliasName } from "../formats/names.ts";
import type { RegistryReader } from "../storage/types.ts";
import { isVersion, newestVersion, normalizeVersion } from "../formats/version.ts";

/** `latest`: the newest version, whatever its aliases. */
export const LATEST = "latest";

export interface Resolved {
  version: string;
  /** The alias the reference named, if it was one. */
  alias?: string;
}

/**
 * Reads one project of a registry. Needs only `get`, so it works over HTTP too. The validators of prompts, bundles
 * and interfaces load when one is read: resolving and listing need only the pointers' (validate-pointers.ts).
 */
export class RegistryClient {
  readonly reader: RegistryReader;
  readonly project: string;

  constructor(reader: RegistryReader, project: string) {
    this.reader = reader;
    this.project = project;
  }

  async manifest(version: string): Promise<ReleaseManifest | undefined> {
    const key = layout.release(this.project, version);
    const object = await this.reader.get(key);
    return object && decodeJson(object.body, key, validateReleaseManifest);
  }

  /** The alias's pointer; undefined when it does not exist or was deleted (a tombstone). */
  async alias(alias: string): Promise<AliasPointer | undefined> {
    const key = layout.alias(this.project, alias);
    const object = await this.reader.get(key);
    const pointer = object && decodeJson(object.body, key, validateAlias);
    return pointer?.deleted ? undefined : pointer;
  }

  async index(): Promise<ProjectIndex | undefined> {
    const key = layout.index(this.project);
    const object = await this.reader.get(key);
    return object && decodeJson(object.body, key, validateProjectIndex);
  }

  /** Turns a version, an alias or `latest` into a version that has a release manifest. */
  async resolve(ref: string): Promise<Resolved> {
    if (isVersion(ref)) {
      const version = normalizeVersion(ref);
      if (!(await this.manifest(version))) throw new VersionNotFoundError(version, this.project);
      return { version };
    }
    if (ref === LATEST) {
      const index = await this.index();
      const newest = index && newestVersion(index.versions.map((v) => v.version));
      if (!newest) throw new VersionNotFoundError(LATEST, this.project);
      return { version: newest };
    }
    if (!isValidAliasName(ref)) throw new AliasNotFoundError(ref, this.project, await this.aliasNames());
    const pointer = await this.alias(ref);
    if (!pointer) throw new AliasNotFoundError(ref, this.project, await this.aliasNames());
    return { version: pointer.version, alias: ref };
  }

  /** The aliases the index lists, and `latest`, for a "Did you mean …?"; none when the index cannot be read. */
  private async aliasNames(): Promise<string[]> {
    const index = await this.index().catch(() => undefined);
    return [LATEST, ...Object.keys(index?.aliases ?? {})];
  }

  /**
   * Every prompt name any version has, from the index; undefined when there is no index (nothing pushed) or it
   * cannot be read.
   */
  async promptNames(): Promise<Set<string> | undefined> {
    const index = await this.index().catch(() => undefined);
    return index && new Set(index.versions.flatMap((v) => v.prompts));
  }

  /** The compiled prompt at a version, schema- and hash-checked. */
  async prompt(version: string, name: string): Promise<CompiledPrompt> {
    const key = layout.promptDefault(this.project, name, version);
    const object = await this.reader.get(key);
    if (!object) {
      // gc deletes a version's manifest before its content: a version deleted since it was resolved is gone, not
      // short of a prompt.
      const manifest = await this.manifest(version).catch(() => null);
      if (manifest === undefined) throw new VersionNotFoundError(version, this.project);
      // The names the version has, for a "Did you mean …?".
      const known = Object.keys(manifest?.prompts ?? {});
      throw new PromptNotFoundError(name, `project "${this.project}" at ${version}`, "Run `promptsync list` to see the prompts of each version.", known);
    }
    // The YAML parser loads only for versions read prompt by prompt: resolving, listing and bundles are JSON.
    const [{ decodeYaml }, { validateCompiledPrompt }] = await Promise.all([import("../formats/codec.ts"), import("../formats/validate.ts")]);
    return verifyPromptHash(decodeYaml(object.body, key, validateCompiledPrompt), key);
  }

  /** Every compiled prompt of a version: its bundle in one read, or prompt by prompt for older versions. */
  async promptsAt(version: string): Promise<CompiledPrompt[]> {
    const manifest = await this.manifest(version);
    if (!manifest) throw new VersionNotFoundError(version, this.project);
    const key = layout.bundle(this.project, version);
    const bundle = await this.reader.get(key);
    const { validateReleaseBundle } = await import("../formats/validate.ts");
    const prompts = bundle
      ? decodeJson(bundle.body, key, validateReleaseBundle).prompts.map((p) => verifyPromptHash(p, key))
      : await mapLimit(Object.keys(manifest.prompts), 16, (name) => this.prompt(version, name));
    for (const prompt of prompts) {
      if (manifest.prompts[prompt.name]?.hash !== prompt.hash) {
        throw new InvalidBundleError(key, `"${prompt.name}" does not match the hash in the ${version} release manifest`);
      }
    }
    return prompts;
  }

  /** The prompt interface push recorded for a git commit, if any. */
  async commitInterface(commit: string): Promise<CommitInterface | undefined> {
    const key = layout.commitInterface(this.project, commit);
    const object = await this.reader.get(key);
    const { validateCommitInterface } = await import("../formats/validate.ts");
    return object && decodeJson(object.body, key, validateCommitInterface);
  }
}
