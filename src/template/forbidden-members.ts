/**
 * Member names refused everywhere, named in the refusal message even where no prototype is involved, as they are
 * the classic escapes. A module of its own, importing nothing: the guard, the compiler, the static check and
 * namespace() all ask it, and the guard imports namespace() through the methods.
 */
const FORBIDDEN_MEMBERS = new Set([
  "constructor", "__proto__", "prototype",
  "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
]);

export function isForbiddenMember(name: string): boolean {
  return FORBIDDEN_MEMBERS.has(name);
}
