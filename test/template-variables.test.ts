import { describe, expect, it } from "vitest";
import { checkTemplate } from "../src/template/compile-template.ts";

const vars = (template: string) => checkTemplate(template).variables.map((v) => (v.required ? v.name : `${v.name}?`));

describe("variables extracted from the template AST", () => {
  it.each([
    ["{{ a }} {{ b.c.d }} {{ e['f'] }}", ["a", "b", "e"]],
    ["{% for item in items %}{{ item.inputs.question }} {{ loop.index }}{% endfor %}", ["items"]],
    ["{% for k, v in d.items() %}{{ k }}{{ v }}{{ outer }}{% endfor %}", ["d", "outer"]],
    ["{% set x = y | upper %}{{ x }}", ["y"]],
    ["{{ x }}{% set x = 1 %}", ["x"]],
    ["{% set block %}{{ inner }}{% endset %}{{ block }}", ["inner"]],
    ["{% macro m(a, b=dflt) %}{{ a }}{{ b }}{{ g }}{% endmacro %}{{ m(arg) }}", ["arg", "dflt", "g"]],
    ["{{ x | default('a') }}{{ y | d(z) }}", ["x?", "y?", "z"]],
    ["{% if a is defined %}{{ a }}{% endif %}", ["a?"]],
    ["{% if a and b %}{{ a }}{{ b }}{% else %}{{ c }}{% endif %}", ["a?", "b?", "c"]],
    ["{% if flag %}on{% endif %}{{ flag }}", ["flag"]],
    ["{{ 'yes' if cond else other }}", ["cond?", "other"]],
    ["{{ True }} {{ None }} {{ range(3) | join }}", []],
    ["{{ {'k': v, name: 1} | tojson }}", ["v"]],
    ["{% raw %}{{ not_a_var }}{% endraw %}", []],
    ["{% if n > 3 and m <= limit %}{{ n }}{% endif %}{{ 'a' if x == y else 'b' }}", ["limit?", "m?", "n?", "x?", "y?"]],
    ["{{ (a < b) ~ (c != 1) }}", ["a", "b", "c"]],
  ])("%s", (template, expected) => {
    expect(vars(template)).toEqual(expected);
  });
});
