import { PromptNotFoundError } from "../errors.ts";
import { RegistryClient } from "../registry/read.ts";
import type { RegistryReader } from "../storage/types.ts";
import type { ServedPrompt } from "../formats/telemetry-events.ts";

/**
 * The summary that counts events of prompts the registry does not have. `_` cannot start a prompt name, so it never
 * collides with one.
 */
export const UNKNOWN_PROMPT = "_unknown";

/**
 * What the registry publishes: its prompts per version, their variants and its aliases. Apps write telemetry, so a
 * served prompt is taken as real only when the registry has it; anything else would let one batch create a summary
 * (or a row) per made-up name.
 */
export class RegistryCatalog {
  private readonly client: RegistryClient;
  /** Version → the prompts it contains, from the project index. */
  private readonly prompts: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly aliases: ReadonlySet<string>;
  /** Version → prompt → variant IDs, read once per version when an event names a variant. */
  private readonly variants = new Map<string, Map<string, Set<string>>>();
  private readonly reading = new Map<string, Promise<void>>();

  private constructor(client: RegistryClient, prompts: ReadonlyMap<string, ReadonlySet<string>>, aliases: ReadonlySet<string>) {
    this.client = client;
    this.prompts = prompts;
    this.aliases = aliases;
  }

  /** Undefined before the first push: there is nothing to check names against. */
  static async load(reader: RegistryReader, project: string): Promise<RegistryCatalog | undefined> {
    const client = new RegistryClient(reader, project);
    const index = await client.index();
    if (!index) return undefined;
    const prompts = new Map(index.versions.map((v) => [v.version, new Set(v.prompts)]));
    return new RegistryCatalog(client, prompts, new Set(Object.keys(index.aliases)));
  }

  /** Whether `has` can answer for this served prompt now; otherwise `prepare` it first. */
  ready(served: ServedPrompt): boolean {
    return served.variant === null || !this.prompts.has(served.version) || this.variants.has(served.version);
  }

  /** Reads the variants of the served version (once per version). */
  prepare(served: ServedPrompt): Promise<void> {
    const { version } = served;
    let reading = this.reading.get(version);
    if (!reading) {
      reading = this.client.promptsAt(version).then((prompts) => {
        this.variants.set(version, new Map(prompts.map((p) => [p.name, new Set(p.variants.map((v) => v.id))])));
      });
      this.reading.set(version, reading);
    }
    return reading;
  }

  /** True when the registry has the prompt at that version, with that variant and alias. */
  has(served: ServedPrompt): boolean {
    if (served.alias !== null && !this.aliases.has(served.alias)) return false;
    if (!this.prompts.get(served.version)?.has(served.prompt)) return false;
    return served.variant === null || (this.variants.get(served.version)?.get(served.prompt)?.has(served.variant) ?? false);
  }
}

/**
 * Throws PromptNotFoundError (with the nearest names) when the registry has published prompts and no version has
 * `prompt`: asking for the analytics of a mistyped name says so instead of "no events". Says nothing before the
 * first push or when the index cannot be read, and for UNKNOWN_PROMPT, which is never a prompt of the registry.
 */
export async function requirePublishedPrompt(reader: RegistryReader, project: string, prompt: string): Promise<void> {
  if (prompt === UNKNOWN_PROMPT) return;
  const names = await new RegistryClient(reader, project).promptNames();
  if (names && !names.has(prompt)) {
    throw new PromptNotFoundError(prompt, `project "${project}"`, "Run `promptsync list` to see the prompts.", names);
  }
}
