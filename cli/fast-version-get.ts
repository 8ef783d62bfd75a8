// `promptsync version get <ref>` in a project without a config file, answered without commander, the YAML parser,
// the command tree or most of the schema validators: deploy scripts call it at every step, and a start-up of
// several times `node -e 0` was most of their wait (issue 15). It reads what the full command reads, as it reads it
// (FolderStore: confined to the folder, bodies size-limited; pointers checked against their schemas), and prints
// what it prints.
// Anything else returns undefined and the full command runs: another option, a config file (YAML or package.json),
// an http(s):// or s3:// registry, PROMPTSYNC_TELEMETRY set, and every error, which the full command then reports.
import { registryLocation, TELEMETRY_ENV } from "./registry-location.ts";
import { terminalSafe } from "./terminal-safe.ts";
import { validateAlias, validateProjectIndex, validateReleaseManifest } from "../src/generated/pointer-validators.ts";
import { layout } from "../src/formats/layout.ts";
import { isValidAliasName } from "../src/formats/names.ts";
import { compareVersions, isVersion, normalizeVersion } from "../src/formats/version.ts";
import type { AliasPointer, ProjectIndex, ReleaseManifest } from "../src/formats/types.ts";
import { gitRemoteRepositoryName, gitTopLevel } from "../src/git/repository.ts";
import { mayHaveConfig } from "../src/project/config-files.ts";
import { detectProject } from "../src/project/locate.ts";
import { FolderStore } from "../src/storage/folder.ts";

interface Arguments {
  ref: string;
  json: boolean;
  project?: string;
  registry?: string;
}

/** The same LATEST as src/registry/read.ts, which this module does not import (it loads every schema's validator). */
const LATEST = "latest";

/**
 * The text `promptsync version get` prints for these arguments (those after `version get`), or undefined when
 * this path does not answer and the full command must run. Only reads: running the full command after it is safe.
 */
export async function fastVersionGet(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const parsed = parseArguments(args);
  // The full command parses PROMPTSYNC_TELEMETRY (and refuses an unsupported URL) whatever it runs.
  // Any config, or anything that might be one, means the full command (which searches only up to the git top level).
  if (!parsed || env[TELEMETRY_ENV] !== undefined || mayHaveConfig(cwd)) return undefined;
  try {
    const top = gitTopLevel(cwd);
    // Asked of git alongside: the project's name comes from the remote unless --project gives one.
    const remoteName = parsed.project ? undefined : gitRemoteRepositoryName(cwd);
    const { project } = await detectProject(cwd, parsed.project, {}, { top, ...(remoteName && { remoteName }) });
    const location = registryLocation(parsed.registry, env, { config: {}, file: undefined, dir: cwd }, await top, cwd);
    if (location.kind !== "folder") return undefined;
    const resolved = await resolve(new FolderStore(location.path), project, parsed.ref);
    if (!resolved) return undefined;
    return parsed.json ? `${JSON.stringify({ project, ref: parsed.ref, ...resolved }, null, 2)}\n` : `${terminalSafe(resolved.version)}\n`;
  } catch {
    return undefined;
  }
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
