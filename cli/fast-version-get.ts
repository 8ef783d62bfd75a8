// `promptsync version get <ref>` answered without commander, the YAML parser, the command tree or most of the schema
// validators: deploy scripts call it at every step, and a start-up of several times `node -e 0` was most of their
// wait (issue 15). It reads what the full command reads, as it reads it (the config search and project detection of
// src/project/locate.ts; FolderStore: confined to the folder, bodies size-limited; the config and the pointers
// checked against their schemas), and prints what it prints.
// Anything else returns undefined and the full command runs: another option, a config that plainConfig cannot read
// or that has signing settings (trusted keys make reads verify signatures), an http(s):// or s3:// registry,
// PROMPTSYNC_TELEMETRY set, and every error, which the full command then reports.
import { registryLocation, TELEMETRY_ENV } from "./registry-location.ts";
import { terminalSafe } from "./terminal-safe.ts";
import { validateAlias, validateConfig, validateProjectIndex, validateReleaseManifest } from "../src/generated/pointer-validators.ts";
import { layout } from "../src/formats/layout.ts";
import { isValidAliasName } from "../src/formats/names.ts";
import { compareVersions, isVersion, normalizeVersion } from "../src/formats/version.ts";
import type { AliasPointer, ConfigFile, ProjectIndex, ReleaseManifest } from "../src/formats/types.ts";
import { gitTopLevel } from "../src/git/repository.ts";
import { detectProject, findConfig, type FoundConfig } from "../src/project/locate.ts";
import { plainConfig } from "../src/project/plain-config.ts";
import { FolderStore } from "../src/storage/folder.ts";

interface Arguments {
  ref: string;
  json: boolean;
  project?: string;
  registry?: string;
}

/** The same LATEST as src/registry/read.ts, which this module does not import: it resolves with reads of its own (below). */
const LATEST = "latest";

/**
 * The text `promptsync version get` prints for these arguments (those after `version get`), or undefined when
 * this path does not answer and the full command must run. Only reads: running the full command after it is safe.
 */
export async function fastVersionGet(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const parsed = parseArguments(args);
  // The full command parses PROMPTSYNC_TELEMETRY (and refuses an unsupported URL) whatever it runs.
  if (!parsed || env[TELEMETRY_ENV] !== undefined) return undefined;
  try {
    const top = await gitTopLevel(cwd);
    const config = readable(await findConfig(cwd, top));
    if (!config) return undefined;
    const { project } = await detectProject(cwd, parsed.project, config.config, { top: Promise.resolve(top) });
    const location = registryLocation(parsed.registry, env, config, top, cwd);
    if (location.kind !== "folder") return undefined;
    const resolved = await resolve(new FolderStore(location.path), project, parsed.ref);
    if (!resolved) return undefined;
    return parsed.json ? `${JSON.stringify({ project, ref: parsed.ref, ...resolved }, null, 2)}\n` : `${terminalSafe(resolved.version)}\n`;
  } catch {
    return undefined;
  }
}

/**
 * The config as loadConfig reads it (src/project/config.ts), when that needs no YAML parser and the config has no
 * signing settings; else undefined. One that fails its schema is undefined too: the full command reports it.
 */
function readable(found: FoundConfig): { config: ConfigFile; file: string | undefined; dir: string } | undefined {
  if (found.kind === "none") return { config: {}, file: undefined, dir: found.dir };
  // loadConfig checks a package.json section as `section ?? {}`; a YAML file plainConfig cannot read needs the parser.
  const value = found.kind === "yaml" ? plainConfig(found.text) : (found.section ?? {});
  if (value === undefined || !validateConfig(value)) return undefined;
  const config = value as ConfigFile;
  return config.signing === undefined ? { config, file: found.file, dir: found.dir } : undefined;
}

/** `<ref>` with --json, --project and --registry, each at most once and in any order; anything else is undefined. */
function parseArguments(args: readonly string[]): Arguments | undefined {
  let ref: string | undefined;
  let json = false;
  const values: { project?: string; registry?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json" && !json) {
      json = true;
      continue;
    }
    const option = /^--(project|registry)(?:=(.*))?$/s.exec(arg);
    if (option) {
      const name = option[1] as "project" | "registry";
      const value = option[2] ?? args[++i];
      // Empty, missing, repeated or dash-led values: commander's reading of them is the full command's business.
      if (!value || value.startsWith("-") || values[name] !== undefined) return undefined;
      values[name] = value;
      continue;
    }
    if (arg.startsWith("-") || ref !== undefined) return undefined;
    ref = arg;
  }
  return ref === undefined ? undefined : { ref, json, ...values };
}

type Resolved = { version: string } | { version: string; alias: string };

/** RegistryClient.resolve's answer when there is one (src/registry/read.ts); undefined for each of its errors. */
async function resolve(store: FolderStore, project: string, ref: string): Promise<Resolved | undefined> {
  if (isVersion(ref)) {
    const version = normalizeVersion(ref);
    return (await read<ReleaseManifest>(store, layout.release(project, version), validateReleaseManifest)) ? { version } : undefined;
  }
  if (ref === LATEST) {
    const index = await read<ProjectIndex>(store, layout.index(project), validateProjectIndex);
    const newest = index?.versions.map((v) => v.version).sort(compareVersions).at(-1);
    return newest ? { version: newest } : undefined;
  }
  if (!isValidAliasName(ref)) return undefined;
  const pointer = await read<AliasPointer>(store, layout.alias(project, ref), validateAlias);
  return pointer && !pointer.deleted ? { version: pointer.version, alias: ref } : undefined;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The object at `key` if it is UTF-8 JSON that its schema accepts (as json-codec.ts decodeJson reads it), else undefined. */
async function read<T>(store: FolderStore, key: string, valid: (value: unknown) => boolean): Promise<T | undefined> {
  const object = await store.get(key);
  if (!object) return undefined;
  const value: unknown = JSON.parse(decoder.decode(object.body));
  return valid(value) ? (value as T) : undefined;
}
