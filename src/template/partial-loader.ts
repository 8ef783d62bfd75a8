import { InvalidBundleError, UnsafeTemplateError } from "../errors.ts";
import { contentHash } from "../formats/canonical.ts";
import { isPartialName } from "../formats/partial-name.ts";
import type { CompiledPrompt } from "../formats/types.ts";
import { parsePartial, staticProblems } from "./compile-template.ts";
import { nodeCount, type PartialLookup } from "./compose.ts";
import type { TemplateNode } from "./template-node.ts";

/**
 * Nodes the composed templates of one prompt may have together (each template is also held to compose.ts's own
 * limit): a prompt with many variants, messages or parts that each include a partial many times over, or copy a
 * block through super() many times over, cannot make loading it take long.
 */
const MAX_PROMPT_PARTIAL_NODES = 200_000;

/**
 * The partials a compiled prompt may use: its own frozen `partials`, and nothing else (the SDK never fetches a
 * partial, and a name the prompt does not carry is an error). A registry is hostile input: every partial is
 * checked like a prompt template when the prompt loads (hash, syntax, the static safety check, composition), and
 * its code then renders under the same guard and budget, composed into the prompt's own template (compose.ts).
 * Each load of a prompt gets its own lookup (render-prompt.ts makes one for all the prompt's templates), so two
 * versions of a partial never share a compiled template.
 */
export function frozenPartials(prompt: CompiledPrompt, origin: string): PartialLookup {
  const roots = new Map<string, { root: TemplateNode; size: number }>();
  const where = (name: string) => `prompt "${prompt.name}", partial "${name}"`;
  for (const [name, partial] of Object.entries(prompt.partials ?? {})) {
    if (!isPartialName(name)) throw new InvalidBundleError(origin, `${where(name)}: not a partial name`);
    if (contentHash({ content: partial.content }) !== partial.hash) throw new InvalidBundleError(origin, `${where(name)}: its content does not match its hash`);
    const parsed = parsePartial(partial.content);
    if (parsed.problem) throw new InvalidBundleError(origin, `${where(name)} line ${parsed.problem.line}: ${parsed.problem.message}`);
    const problem = staticProblems(parsed.root)[0];
    if (problem?.code === "UNSAFE_TEMPLATE") throw new UnsafeTemplateError(`${origin}: ${where(name)} line ${problem.line}: ${problem.message}`);
    if (problem) throw new InvalidBundleError(origin, `${where(name)} line ${problem.line}: ${problem.message}`);
    roots.set(name, { root: parsed.root, size: nodeCount(parsed.root) });
  }
  // What a partial includes in turn is checked where a template of the prompt reaches it (compose.ts).
  let spent = 0;
  const charge = (nodes: number) => {
    spent += nodes;
    if (spent > MAX_PROMPT_PARTIAL_NODES) throw new InvalidBundleError(origin, `prompt "${prompt.name}": its templates include their partials more than ${MAX_PROMPT_PARTIAL_NODES} nodes over`);
  };
  // Each lookup is charged at once (so composing stops early), and each composition for the nodes it made beyond
  // them: blocks and super() copy a partial's nodes again without looking it up.
  let looked = 0;
  const lookup: PartialLookup = (name) => {
    const found = roots.get(name);
    if (!found) return undefined;
    looked += found.size;
    charge(found.size);
    return found.root;
  };
  lookup.composed = (nodes) => {
    charge(Math.max(0, nodes - looked));
    looked = 0;
  };
  return lookup;
}
