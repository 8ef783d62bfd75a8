import { InvalidBundleError, UnsafeTemplateError } from "../errors.ts";
import { contentHash } from "../formats/canonical.ts";
import { isPartialName } from "../formats/partial-name.ts";
import type { CompiledPrompt } from "../formats/types.ts";
import { checkParsedTemplate, parsePartial } from "./compile-template.ts";
import type { PartialLookup } from "./compose.ts";
import type { TemplateNode } from "./nunjucks.ts";

/**
 * The partials a compiled prompt may use: its own frozen `partials`, and nothing else (the SDK never fetches a
 * partial, and a name the prompt does not carry is an error). A registry is hostile input: every partial is
 * checked like a prompt template when the prompt loads (hash, syntax, the static safety check, composition), and
 * its code then renders under the same guard and budget, composed into the prompt's own template (compose.ts).
 * Each prompt gets its own lookup, so two versions of a partial never share a compiled template.
 */
const loaded = new WeakMap<CompiledPrompt, PartialLookup>();

export function frozenPartials(prompt: CompiledPrompt, origin: string): PartialLookup {
  const known = loaded.get(prompt);
  if (known) return known;
  const roots = new Map<string, TemplateNode>();
  const lookup: PartialLookup = (name) => roots.get(name);
  const texts = Object.entries(prompt.partials ?? {});
  const where = (name: string) => `prompt "${prompt.name}", partial "${name}"`;
  for (const [name, partial] of texts) {
    if (!isPartialName(name)) throw new InvalidBundleError(origin, `${where(name)}: not a partial name`);
    if (contentHash({ content: partial.content }) !== partial.hash) throw new InvalidBundleError(origin, `${where(name)}: its content does not match its hash`);
    const parsed = parsePartial(partial.content);
    if (parsed.problem) throw new InvalidBundleError(origin, `${where(name)} line ${parsed.problem.line}: ${parsed.problem.message}`);
    roots.set(name, parsed.root);
  }
  for (const [name] of texts) {
    const check = checkParsedTemplate(roots.get(name)!, lookup, name);
    const problem = check.problems[0];
    if (problem?.code === "UNSAFE_TEMPLATE") throw new UnsafeTemplateError(`${origin}: ${where(name)} line ${problem.line}: ${problem.message}`);
    const composition = check.composition[0];
    if (problem ?? composition) throw new InvalidBundleError(origin, `${where(composition?.partial ?? name)} line ${(problem ?? composition)!.line}: ${(problem ?? composition)!.message}`);
  }
  loaded.set(prompt, lookup);
  return lookup;
}
