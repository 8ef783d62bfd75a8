/** Rules for the names that become registry keys: prompts, projects, aliases, variants. */

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const PROJECT = /^[a-z0-9][a-z0-9._-]*$/;
const ALIAS = /^[a-z][a-z0-9_-]*$/;

/** Words that cannot begin a prompt name because the layout uses them beside prompt folders. */
const RESERVED_FIRST_SEGMENTS = new Set(["aliases"]);

/** Returns why `name` cannot be a prompt name, or undefined when it can. */
export function promptNameProblem(name: string): string | undefined {
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
  return PROJECT.test(id);
}

export function isValidAliasName(alias: string): boolean {
  return ALIAS.test(alias) && alias !== "latest";
}

/** Turns a repository, folder or package name into a project ID: `@acme/My App` → `my-app`. */
export function toProjectId(raw: string): string {
  const base = raw.trim().replace(/^@[^/]+\//, "").replace(/\.git$/, "");
  return base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
}

export const variantIdPattern = SEGMENT;
