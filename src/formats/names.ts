/** Rules for the names that become registry keys: prompts, projects, aliases, variants. */
import { InvalidNameError } from "../errors.ts";
import { isVersion } from "./version.ts";

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const PROJECT = /^[a-z0-9][a-z0-9._-]*$/;
const ALIAS = /^[a-z][a-z0-9_-]*$/;

/** Every key must fit S3's 1,024-byte limit with the project, version and file name around the prompt name. */
const MAX_PROMPT_NAME = 512;
const MAX_SHORT_NAME = 128;

/** Words that cannot begin a prompt name because the layout uses them beside prompt folders. */
const RESERVED_FIRST_SEGMENTS = new Set(["aliases"]);

/** Returns why `name` cannot be a prompt name, or undefined when it can. */
export function promptNameProblem(name: string): string | undefined {
  if (name.length > MAX_PROMPT_NAME) return `a prompt name has at most ${MAX_PROMPT_NAME} characters`;
  const segments = name.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") return `"${name}" has an empty, "." or ".." path segment`;
    if (!SEGMENT.test(segment)) {
      return `"${segment}" may only contain letters, digits, "_" and "-", and must start with a letter or digit`;
    }
  }
  const first = segments[0] ?? "";
  if (RESERVED_FIRST_SEGMENTS.has(first.toLowerCase())) return `"${first}" is reserved by the registry layout`;
  return undefined;
}

export function isValidPromptName(name: string): boolean {
  return promptNameProblem(name) === undefined;
}

export function isValidProjectId(id: string): boolean {
  return id.length <= MAX_SHORT_NAME && PROJECT.test(id);
}

export function isValidAliasName(alias: string): boolean {
  return alias.length <= MAX_SHORT_NAME && ALIAS.test(alias) && alias !== "latest";
}

/** The prompt name, or an InvalidNameError: for names from outside (an app, a URL) before they reach a key. */
export function assertPromptName(name: unknown): string {
  const problem = typeof name === "string" ? promptNameProblem(name) : "a prompt name is a string";
  if (problem !== undefined) throw new InvalidNameError("prompt", shown(name), problem);
  return name as string;
}

export function assertProjectId(id: unknown): string {
  if (typeof id === "string" && isValidProjectId(id)) return id;
  throw new InvalidNameError("project", shown(id), `a project ID has 1-${MAX_SHORT_NAME} lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`);
}

/** A version (v1.2.0), `latest` or an alias name, as getPrompt and the CLI's --alias/--version take them. */
export function assertVersionOrAlias(ref: unknown): string {
  if (typeof ref === "string" && ref.length <= MAX_SHORT_NAME && (ref === "latest" || isVersion(ref) || isValidAliasName(ref))) return ref;
  const kind = typeof ref === "string" && /^v?\d/.test(ref) ? "version" : "alias";
  throw new InvalidNameError(
    kind,
    shown(ref),
    'expected a version such as v1.2.0, "latest", or an alias name: lowercase letters, digits, "_" and "-", starting with a letter',
  );
}

/** The value as an error message shows it: a hostile name can be megabytes long. */
export function shown(value: unknown): string {
  const text = String(value);
  return text.length > MAX_SHORT_NAME ? `${text.slice(0, MAX_SHORT_NAME)}…` : text;
}

/** Turns a repository, folder or package name into a project ID: `@acme/My App` → `my-app`. */
export function toProjectId(raw: string): string {
  const base = raw.trim().replace(/^@[^/]+\//, "").replace(/\.git$/, "");
  return base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
}
