/**
 * Keyword arguments reach template functions as a last argument object. Only objects the compiled code made with
 * `makeKeywordArgs` count: a template dict with a `__keywords` key is data. They have no prototype, so a missing
 * name never finds `valueOf` or `constructor`; `__keywords` stays on them for nunjucks' own filters.
 */
type KeywordArgs = Record<string, unknown>;

const made = new WeakSet<object>();

export function makeKeywordArgs(values: Record<string, unknown>): KeywordArgs {
  const kw: KeywordArgs = Object.create(null);
  for (const key of Object.keys(values)) kw[key] = values[key];
  kw.__keywords = true;
  made.add(kw);
  return kw;
}

export function isKeywordArgs(value: unknown): value is KeywordArgs {
  return typeof value === "object" && value !== null && made.has(value);
}

export function keywords(args: readonly unknown[]): { positional: unknown[]; kw: KeywordArgs } {
  const last = args.at(-1);
  if (!isKeywordArgs(last)) return { positional: [...args], kw: Object.create(null) as KeywordArgs };
  const kw: KeywordArgs = Object.create(null);
  for (const key of Object.keys(last)) if (key !== "__keywords") kw[key] = last[key];
  return { positional: args.slice(0, -1), kw };
}

/** Binds positional and keyword arguments to parameter names, as Python does. */
export function bind(args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const { positional, kw } = keywords(args);
  const bound: Record<string, unknown> = Object.create(null);
  names.forEach((name, i) => {
    bound[name] = Object.hasOwn(kw, name) ? kw[name] : positional[i];
  });
  return bound;
}
