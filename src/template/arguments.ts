/** Keyword arguments reach template functions as a last object marked `__keywords`, the way nunjucks passes them. */
export type KeywordArgs = { __keywords?: boolean } & Record<string, unknown>;

export function keywords(args: readonly unknown[]): { positional: unknown[]; kw: KeywordArgs } {
  const last = args.at(-1) as KeywordArgs | undefined;
  if (last && typeof last === "object" && Object.hasOwn(last, "__keywords")) return { positional: args.slice(0, -1), kw: last };
  return { positional: [...args], kw: {} };
}

/** Binds positional and keyword arguments to parameter names, as Python does. */
export function bind(args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const { positional, kw } = keywords(args);
  return Object.fromEntries(names.map((name, i) => [name, Object.hasOwn(kw, name) ? kw[name] : positional[i]]));
}
