// For the benchmark only: the same template rendered the way PromptSync did before the guard, by stock nunjucks
// (Jinja compatibility, PromptSync's Jinja filters) with no guard and no budget, as the floor the guard is measured on.
import nunjucks from "nunjucks";
import { jinjaFilters } from "../../src/template/filters.ts";
import { toJinjaSource } from "../../src/template/compile-template.ts";

export function unguardedTemplate(source: string): { render(values: Record<string, unknown>): string } {
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: true });
  for (const [name, filter] of Object.entries(jinjaFilters)) env.addFilter(name, filter as (...args: unknown[]) => unknown);
  return new nunjucks.Template(toJinjaSource(source), env, undefined, true);
}
