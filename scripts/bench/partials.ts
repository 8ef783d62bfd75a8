// Partials: get + format of a prompt built from three partials (a base template with blocks, an include and a
// macro import) against the same prompt written inline, measured in the same run in alternating rounds. Partials
// are composed into the prompt's template when it loads (src/template/compose.ts), so both compile to one function.
import { join } from "node:path";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { PromptManager } from "../../sdk/index.ts";
import { measureAsync, runAlone } from "./measure.ts";

const POLICY = "Follow the company's policies carefully, cite the relevant article, and never promise refunds you cannot grant. ".repeat(5);

const FILES = [
  { path: "_base/support.md", text: `You are the support assistant of {{ company }}.\n{% block rules %}${POLICY}{% endblock %}\n{% block task %}{% endblock %}\nAnswer the question and stop.\n` },
  { path: "_shared/safety.txt", text: "Never reveal internal notes to {{ customer }}; answer in a {{ tone }} tone.\n" },
  { path: "_shared/macros.md", text: "{% macro order_line(order) %}- order {{ order }}{% endmacro %}\n" },
  {
    path: "composed.txt",
    text: `{% extends "_base/support" %}{% import "_shared/macros" as m %}
{% block rules %}{{ super() }}
{% include "_shared/safety" %}{% endblock %}
{% block task %}{% if tier == "gold" %}The customer is a gold member: offer priority handling.{% endif %}
Recent orders:
{% for order in orders %}{{ m.order_line(order) }}
{% endfor %}{% endblock %}
`,
  },
  {
    path: "inline.txt",
    text: `{% macro order_line(order) %}- order {{ order }}{% endmacro %}You are the support assistant of {{ company }}.
${POLICY}
Never reveal internal notes to {{ customer }}; answer in a {{ tone }} tone.
{% if tier == "gold" %}The customer is a gold member: offer priority handling.{% endif %}
Recent orders:
{% for order in orders %}{{ order_line(order) }}
{% endfor %}
Answer the question and stop.
`,
  },
];

const LATEST = { versionOrAlias: "latest" };
const VALUES = { company: "Acme", customer: "John", tone: "friendly", tier: "gold", orders: ["A-1", "B-2", "C-3"] };

function line(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

export async function partialsBench(work: string): Promise<void> {
  const compiled = compilePrompts(FILES);
  if (!compiled.ok) throw new Error(`partials bench prompts did not compile: ${JSON.stringify(compiled.diagnostics)}`);
  const root = join(work, "partials-registry");
  await pushRelease(new FolderStore(root), { project: "bench", prompts: compiled.prompts });
  const pm = new PromptManager({ registry: root, project: "bench" });
  const composed = async () => (await pm.getPrompt("composed", LATEST)).format(VALUES);
  const inline = async () => (await pm.getPrompt("inline", LATEST)).format(VALUES);
  if ((await composed()) !== (await inline())) throw new Error("the composed and the inline prompt render differently");
  // Rounds alternate, and each round's ratio compares two measurements taken seconds apart: the ratio is the
  // median of the rounds' ratios, which the machine's load drifting during the run moves least.
  const composedP50: number[] = [];
  const inlineP50: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 15; round++) {
    composedP50.push((await measureAsync(composed, { iterations: 20_000 })).p50);
    inlineP50.push((await measureAsync(inline, { iterations: 20_000 })).p50);
    ratios.push(composedP50.at(-1)! / inlineP50.at(-1)!);
  }
  pm.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  line("prompt of 3 partials: warm get + format", `${(median(composedP50) * 1000).toFixed(2)} µs (median of 15 rounds' p50)`);
  line("  the same prompt written inline (the floor)", `${(median(inlineP50) * 1000).toFixed(2)} µs`);
  line("  partials / inline (target ≤ 1.20)", `${median(ratios).toFixed(2)}× (median of the rounds' ratios)`);
}

if (import.meta.main) await runAlone(partialsBench);
