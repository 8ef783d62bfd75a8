// How fast the render budget stops the templates that used to hang an app or take gigabytes.
import { compileTemplate } from "../../src/template/compile-template.ts";
import { RenderFault } from "../../src/template/fault.ts";

const CASES: Record<string, string> = {
  "for i in range(100000000)": "{% for i in range(100000000) %}{% endfor %}",
  "two nested range(20000) loops": "{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}",
  '"x"|indent(500000000)': '{{ "x" | indent(500000000) }}',
  '"x"|center(300000000)': '{{ "x" | center(300000000) }}',
  "range(0, 200000000, 1)|length": "{{ range(0, 200000000, 1) | length }}",
  // A set inside a loop lasts one iteration (Jinja's scoping): state that grows across iterations needs a namespace.
  "string doubling with ~ in a loop": '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
  "a macro calling itself twice, 60 deep": "{% macro m(n) %}{% if n < 60 %}{{ m(n + 1) }}{{ m(n + 1) }}{% endif %}{% endmacro %}{{ m(0) }}",
};

export function renderBudgetBench(): void {
  for (const [name, template] of Object.entries(CASES)) {
    const compiled = compileTemplate(template);
    const times: number[] = [];
    let limit = "";
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      try {
        compiled.render({});
      } catch (error) {
        if (!(error instanceof RenderFault) || error.kind !== "limit") throw error;
        limit = error.limit ?? "";
      }
      times.push(performance.now() - start);
    }
    if (!limit) throw new Error(`render budget bench: "${name}" rendered without reaching a limit`);
    times.sort((a, b) => a - b);
    console.log(`${`render budget: ${name}`.padEnd(58)} stopped by ${limit} in ${times[1]!.toFixed(0)} ms (median of 3)`);
  }
}
