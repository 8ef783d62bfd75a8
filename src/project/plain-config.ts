/** A top-level key, as configs write them. */
const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * A value YAML reads as this very string: it starts with a letter, `_`, `/`, `./` or `../` (so never a number,
 * `.inf` or `.nan`), holds no space, quote, `#`, flow or tag indicator, and does not end in `:`. The words YAML
 * reads as null or booleans are refused by `plainConfig` below.
 */
const PLAIN = /^(?:[A-Za-z_/]|\.{1,2}\/)[A-Za-z0-9_./:@+=~%-]*$/;

/** `key: value`, then spaces and a comment, or nothing. */
const LINE = /^([^:\s]+):(?: +([^ ]+))? *(?: #.*)?$/;

/**
 * The config as YAML reads it, for the configs most projects have: `key: value` lines of plain words, paths and
 * URLs at the top level, comments and blank lines. Anything else (nesting, quotes, lists, anchors, a document
 * marker, a repeated key, a value YAML might read as something other than that string) is undefined, and the YAML
 * parser reads the file: a project whose config is this simple never loads it.
 */
export function plainConfig(text: string): Record<string, string> | undefined {
  if (/[\r\t\uFEFF]/.test(text)) return undefined;
  const config: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    const key = match?.[1];
    const value = match?.[2];
    if (key === undefined || value === undefined || !KEY.test(key) || Object.hasOwn(config, key)) return undefined;
    if (!PLAIN.test(value) || value.endsWith(":") || /^(null|true|false)$/i.test(value)) return undefined;
    config[key] = value;
  }
  return config;
}
