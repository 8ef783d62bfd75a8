import { InvalidNameError } from "../errors.ts";
import { shown } from "../formats/names.ts";

/** S3's limit on a key; no registry key comes near it. */
const MAX_KEY_BYTES = 1024;

/** Control characters (NUL included) and backslashes, which some stores and file systems read as separators. */
const FORBIDDEN = /[\p{Cc}\\]/u;

/**
 * Why `key` cannot name a registry object, or undefined when it can. Every driver and `serve` apply this one
 * rule to the decoded key, so that a key never climbs out of the registry root, whatever the store makes of
 * `..`, `.` and empty segments (a folder resolves them, a URL normalises them, S3 keeps them).
 */
export function registryKeyProblem(key: string): string | undefined {
  if (key.length === 0) return "the key is empty";
  if (key.length > MAX_KEY_BYTES || Buffer.byteLength(key) > MAX_KEY_BYTES) return `a key has at most ${MAX_KEY_BYTES} bytes`;
  if (FORBIDDEN.test(key)) return "a key contains no backslash or control character";
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..") return 'a key has no empty, "." or ".." segment';
  }
  return undefined;
}

/** The key, or an InvalidNameError (INVALID_NAME) naming it: called before any request or file access. */
export function checkRegistryKey(key: string): string {
  const problem = registryKeyProblem(key);
  if (problem !== undefined) throw new InvalidNameError("key", shown(key), problem);
  return key;
}

/** A listing prefix (`prompts/p/`, or `` for everything): the same rule, with the trailing `/` allowed. */
export function checkRegistryPrefix(prefix: string): string {
  if (prefix !== "") checkRegistryKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
  return prefix;
}
