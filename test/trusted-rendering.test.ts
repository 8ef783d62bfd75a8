import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileTemplate } from "../src/template/compile-template.ts";
import { RenderFault } from "../src/template/fault.ts";
import { PromptManager } from "../sdk/index.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { rewritePromptInPlace } from "./helpers/tamper.ts";
import { gitRepo } from "./helpers/git.ts";

/**
 * Every route from the trusted-rendering issue, and variants of each class, tried three ways: against the
 * guarded runtime alone (as if the static check had missed it), through the SDK reading a registry object an
 * attacker wrote directly, and through the CLI's render. None may run code, print a function, or stack-trace.
 */

const PWN = "globalThis.pwned = 1; return 'pwned'";
const K = `{% set k = "constructor" %}`;

const ATTACKS: { name: string; template: string }[] = [
  {
    name: "the issue's exploit: set in loops, macros shadowed, run order",
    template: `{% macro f() %}{% endmacro %}{% macro h() %}{% endmacro %}\n{% for i in [1] %}{% set f = ""["con" ~ "structor"]["con" ~ "structor"] %}{% endfor %}\n{% for i in [1] %}{% set h = f("${PWN}") %}{% endfor %}\nRCE: {{ h() }}`,
  },
  { name: "computed keys", template: `${K}{{ ""[k][k]("${PWN}")() }}` },
  { name: "set then call", template: `${K}{% set f = ""[k][k] %}{% set g = f("${PWN}") %}{{ g() }}` },
  { name: "macro parameter", template: `${K}{% macro m(f) %}{{ f("${PWN}")() }}{% endmacro %}{{ m(""[k][k]) }}` },
  { name: "loop variable", template: `${K}{% for f in [""[k][k]] %}{{ f("${PWN}")() }}{% endfor %}` },
  { name: "loop variable shadowing a macro", template: `${K}{% macro f() %}{% endmacro %}{% for f in [""[k][k]] %}{{ f("${PWN}")() }}{% endfor %}` },
  { name: "joiner() result reassigned", template: `${K}{% set j = joiner() %}{% for i in [1] %}{% set j = ""[k][k] %}{% endfor %}{{ j("${PWN}")() }}` },
  { name: "call block body", template: `${K}{% macro box() %}{{ caller() }}{% endmacro %}{% call box() %}{{ ""[k][k]("${PWN}")() }}{% endcall %}` },
  { name: "caller's members", template: `{% macro box() %}{{ caller["constructor"]("${PWN}")() }}{% endmacro %}{% call box() %}x{% endcall %}` },
  { name: "set block", template: `${K}{% set body %}{% set f = ""[k][k] %}{% endset %}{{ f("${PWN}")() }}` },
  { name: "map(attribute=)", template: `{{ (["x"] | map(attribute="constructor.constructor") | first)("${PWN}")() }}` },
  { name: "join's attribute prints a function", template: `{{ [""] | join(",", "constructor") }}` },
  { name: "sort(attribute=)", template: `{{ [""] | sort(attribute="constructor") }}` },
  { name: "groupby", template: `{% for key, items in [""] | groupby("constructor") %}{{ key }}{% endfor %}` },
  { name: "selectattr", template: `{{ [""] | selectattr("constructor") | list }}` },
  { name: "sum(attribute=)", template: `{{ [""] | sum(attribute="constructor") }}` },
  { name: "unique/min/max(attribute=)", template: `{{ [""] | unique(attribute="__proto__") }}{{ [""] | min(attribute="constructor") }}` },
  { name: "is with a prototype name", template: `{{ "x" is __defineGetter__(1) }}{{ "x" is constructor }}` },
  { name: "a filter named like a prototype member", template: `{{ "return 1" | constructor }}` },
  { name: "__proto__", template: `{{ x.__proto__.polluted }}` },
  { name: "a dict literal with __proto__", template: `{% set d = {"__proto__": x} %}{{ d.toString() }}` },
  { name: "members of a macro", template: `{% macro m() %}{% endmacro %}{{ m.call(1) }}{{ m["constructor"] }}` },
  { name: "globals' members", template: `{{ range.constructor("${PWN}")() }}{{ cycler["constructor"] }}` },
  { name: "a bound method's members", template: `{{ "x".upper.constructor }}` },
  { name: "JavaScript string methods walk around the budget", template: `{{ "ab".repeat(1000000000) }}{{ "".padStart(1000000000) }}` },
  { name: "a method name reached through a computed key", template: `{% set r = "re" ~ "peat" %}{{ "ab"[r](3) }}` },
  { name: "mutating a list", template: `{{ xs.append(1) }}{% set n = xs.pop() %}` },
  { name: "mutating a dict", template: `{% set d = {"a": 1} %}{{ d.update({"b": 2}) }}` },
  { name: "a set target that is a string", template: `{% set "a\\");globalThis.pwned=1;(\\"" = 1 %}` },
  { name: "a variable name the compiler would paste into code", template: '{{ x"&Function`globalThis\\u002epwned\\u003d1```&" }}' },
  { name: "a regular expression literal", template: `{{ x | replace(r/(a+)+$/, "b") }}` },
];

function pwned(): unknown {
  return (globalThis as { pwned?: unknown }).pwned;
}

afterEach(() => {
  delete (globalThis as { pwned?: unknown }).pwned;
});

describe("the guard refuses every route at run time, whatever the static check misses", () => {
  it.each(ATTACKS.map((a) => [a.name, a.template]))("%s", (_name, template) => {
    let fault: unknown;
    try {
      compileTemplate(template, { strict: false }).render({ x: "abc", xs: ["a"] });
    } catch (error) {
      fault = error;
    }
    expect(fault).toBeInstanceOf(RenderFault);
    expect((fault as RenderFault).kind).toBe("unsafe");
    expect((fault as RenderFault).line).toBeGreaterThan(0);
    expect(pwned()).toBeUndefined();
  });
});

describe("the app's variables are data", () => {
  const render = (template: string, values: Record<string, unknown>) => compileTemplate(template, { strict: false }).render(values);

  it("an app function cannot be called or reached", () => {
    let called = 0;
    const fn = () => ++called;
    expect(() => render("{{ fn() }}", { fn })).toThrow(RenderFault);
    expect(() => render("{{ user.fn() }}", { user: { fn } })).toThrow(RenderFault);
    expect(() => render("{% set d = {'toString': user.fn} %}{{ d ~ '' }}", { user: { fn } })).toThrow(RenderFault);
    expect(render("{% for f in fns %}{{ f }}{% endfor %}|{{ fns | length }}", { fns: [fn, fn] })).toBe("|2");
    expect(called).toBe(0);
  });

  it("a getter is read once by the copy, never by the template, and a class instance gives only its own data", () => {
    let reads = 0;
    class User {
      name = "ada";
      greet() {
        globalThis.process.exitCode = 99;
      }
    }
    const withGetter = Object.defineProperty({}, "secret", { enumerable: true, get: () => ++reads });
    expect(render("{{ o.secret }}{{ o.secret }}", { o: withGetter })).toBe("11");
    expect(reads).toBe(1);
    expect(() => render("{{ u.greet() }}", { u: new User() })).toThrow(RenderFault);
    expect(render("{{ u.name }}", { u: new User() })).toBe("ada");
    expect(process.exitCode).toBeUndefined();
  });

  it("dict.get sees own keys only", () => {
    expect(render('{{ d.get("constructor") is none }} {{ d.get("a") }} {{ "constructor" in d }}', { d: { a: 1 } })).toBe("True 1 False");
  });

  it("a template cannot change the app's objects", () => {
    const values = { xs: [1, 2], d: { a: 1 } };
    render("{% set xs = xs + [3] %}{% set d = 1 %}{{ xs | length }}", values);
    expect(() => render("{{ xs.append(3) }}", values)).toThrow(/would change a list/);
    expect(values).toEqual({ xs: [1, 2], d: { a: 1 } });
  });

  it("dates, maps and sets become JSON-like data; cycles stop at the depth limit", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(render("{{ d }} {{ m.a }} {{ s | join(',') }}", { d: new Date(0), m: new Map([["a", 1]]), s: new Set([1, 2]) })).toBe(
      "1970-01-01T00:00:00.000Z 1 1,2",
    );
    expect(() => render("{{ c }}", { c: cyclic })).toThrow(/nested deeper than 100/);
  });
});

/** A published registry whose prompt `p` an attacker then rewrites in place, recomputing hash and manifest. */
async function tamperedRegistry(source: string, template: string): Promise<string> {
  const dir = `${await tempDir()}/repo`;
  await cp(source, dir, { recursive: true });
  await rewritePromptInPlace(join(dir, ".promptsync/registry"), { project: "tamper", prompt: "p", version: "v0.1.0" }, template);
  return dir;
}

describe("a registry object written by an attacker", () => {
  let published: string;
  beforeAll(async () => {
    // Outside tempDir(), which is emptied after each test: every test copies this one published registry.
    published = join(await mkdtemp(join(tmpdir(), "promptsync-published-")), "repo");
    await cp(await gitRepo({ "prompts/p.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: tamper\n" }), published, { recursive: true });
    const push = await runCli(published, ["push", "--alias", "production"]);
    expect(push.code).toBe(0);
  });
  afterAll(() => rm(dirname(published), { recursive: true, force: true }));

  it.each(ATTACKS.map((a) => [a.name, a.template]))("is refused by the SDK: %s", async (_name, template) => {
    const dir = await tamperedRegistry(published, template);
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "tamper", refreshStrategy: "none" } as never);
    const error = await pm
      .getPrompt("p")
      .then((prompt) => prompt.format({ name: "x", x: "abc", xs: ["a"] }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // Refused when loading (the static check), or while rendering (the guard).
    const code = (error as { code?: string }).code;
    const cause = (error as { cause?: { code?: string } }).cause;
    expect(code === "UNSAFE_TEMPLATE" || (code === "PROMPT_UNAVAILABLE" && cause?.code === "UNSAFE_TEMPLATE")).toBe(true);
    expect(pwned()).toBeUndefined();
    await pm.close?.();
  });

  it("is refused by the CLI's render with the code, the line and no stack trace", async () => {
    const results = await Promise.all(
      ATTACKS.map(async ({ template }) => runCli(await tamperedRegistry(published, template), ["render", "p", "--alias", "production", "--var", "name=x", "--json"])),
    );
    for (const [i, result] of results.entries()) {
      expect(result.code, ATTACKS[i]!.name).toBe(1);
      const error = (JSON.parse(result.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code, ATTACKS[i]!.name).toBe("UNSAFE_TEMPLATE");
      expect(error.message).toMatch(/line \d+/);
      expect(result.stderr + result.stdout).not.toMatch(/\n\s+at .*\(/);
    }
  });
});

describe("local mode (no registry: the app's prompts folder compiled in-process)", () => {
  it("renders through the same guard", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "prompts/evil.txt": `${ATTACKS[1]!.template}\n`, "prompts/ok.txt": "{{ name.upper() }}\n" });
    const pm = new PromptManager({ cwd: dir, promptsDir: join(dir, "prompts"), project: "local" });
    expect((await pm.getPrompt("ok")).format({ name: "ada" })).toBe("ADA");
    const error = await pm
      .getPrompt("evil")
      .then((prompt) => prompt.format({}))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: "UNSAFE_TEMPLATE" });
    expect(pwned()).toBeUndefined();
  });
});

describe("prompt files", () => {
  it("push and validate refuse the issue's exploit statically, naming the file and line, with no stack trace", async () => {
    const dir = await gitRepo({ "prompts/evil.txt": `${ATTACKS[0]!.template}\n`, "promptsync.config.yaml": "project: evil\n" });
    for (const command of [["push", "--alias", "production"], ["validate"]]) {
      const result = await runCli(dir, command);
      expect(result.code, command[0]).toBe(1);
      expect(result.stderr + result.stdout).toMatch(/evil\.txt:2/);
      expect(result.stderr + result.stdout).toMatch(/"constructor" is not accessible/);
      expect(result.stderr + result.stdout).not.toMatch(/\n\s+at .*\(/);
    }
  });

  it("a regex literal is refused with a clear error instead of a TypeError", async () => {
    const dir = await gitRepo({ "prompts/r.txt": '{{ x | replace(r/a/g, "b") }}\n', "promptsync.config.yaml": "project: r\n" });
    for (const command of [["push"], ["validate"]]) {
      const result = await runCli(dir, command);
      expect(result.code).toBe(1);
      expect(result.stderr + result.stdout).toMatch(/r\.txt:1.*regular expression literals are not supported/);
      expect(result.stderr + result.stdout).not.toMatch(/TypeError|\n\s+at /);
    }
  });

  it("an unknown is-test is refused statically", async () => {
    const dir = await gitRepo({ "prompts/t.txt": '{{ "x" is __defineGetter__(1) }}\n', "promptsync.config.yaml": "project: t\n" });
    const result = await runCli(dir, ["validate"]);
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).toMatch(/unknown test "__defineGetter__"/);
  });

  it("legitimate Jinja that was refused renders: loop.cycle, string methods, a macro through a set variable", async () => {
    const dir = await gitRepo({
      "prompts/ok.txt":
        "{% macro hi(n) %}hi {{ n }}{% endmacro %}{% set greet = hi %}{% for x in xs.split(',') %}{{ loop.cycle('odd', 'even') }}:{{ x.strip().upper() }} {% endfor %}{{ greet('bo') }}\n",
      "promptsync.config.yaml": "project: ok\n",
    });
    const result = await runCli(dir, ["render", "ok", "--var", "xs=a, b,c"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("odd:A even:B odd:C hi bo\n");
  });
});

/** Found by an attacker's review of the guard; each is a class, tried in variants. */
describe("variants found by review", () => {
  const render = (template: string, values: Record<string, unknown> = {}) => compileTemplate(template, { strict: false }).render(values);
  const faultOf = (template: string, values: Record<string, unknown> = {}): RenderFault => {
    try {
      render(template, values);
    } catch (error) {
      if (error instanceof RenderFault) return error;
      throw error;
    }
    throw new Error(`rendered: ${template}`);
  };

  it("a quoted macro name is refused before code is generated", () => {
    expect(faultOf(`{% macro 'x", globalThis.pwned = 1); //' () %}{% endmacro %}done`).kind).toBe("unsafe");
    expect(pwned()).toBeUndefined();
  });

  it("a macro parameter with no argument does not find Object.prototype's members", () => {
    expect(render("{% macro m(valueOf, hasOwnProperty, toString) %}{{ valueOf is defined }}{{ toString is defined }}{% endmacro %}{{ m() }}")).toBe("FalseFalse");
  });

  it("keyword arguments cannot set a prototype or come from a template dict", () => {
    expect(faultOf('{% set D = {"__keywords": true} %}{% macro setp(a, __proto__=0) %}{% endmacro %}{{ setp(0, "x", D) }}').kind).toBe("unsafe");
    expect(render('{% set D = {"__keywords": true, "a": 1} %}{% macro m(a) %}{{ a is mapping }}{% endmacro %}{{ m(D) }}')).toBe("True");
    expect(render("{% macro m(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ m(1, 3) }}{{ m(b=4, a=5) }}")).toBe("1354");
  });

  it("functions never turn into text: macros, globals, bound methods, nunjucks' SafeString methods", () => {
    expect(faultOf('{% macro m() %}{% endmacro %}{{ m ~ "" }}').kind).toBe("render");
    expect(faultOf('{{ joiner ~ "" }}').kind).toBe("render");
    expect(render('{% for k, v in "a".upper %}{{ k }}={{ v }};{% endfor %}|{{ "a".upper }}')).toBe("|<method upper>");
    expect(render('{% for k, v in ("x" | safe) | dictsort %}{{ k }};{% endfor %}')).toBe("length;val;");
  });

  it("a list of shared large strings is refused before tojson, join, map, dump or printing builds it", () => {
    // Grown through a namespace: a set inside a loop stays in its iteration, as in Jinja2.
    const big = '{% set s = "A" | center(4000000) %}{% set ns = namespace(L=[s]) %}{% for i in range(11) %}{% set ns.L = ns.L + ns.L %}{% endfor %}{% set L = ns.L %}';
    const nested = '{% set s = "A" | center(4000000) %}{% set ns = namespace(L=[[s, "x"]]) %}{% for i in range(11) %}{% set ns.L = ns.L + ns.L %}{% endfor %}{% set L = ns.L %}';
    for (const template of [
      `${big}{{ L | tojson | length }}`,
      `${big}{{ L | dump | length }}`,
      `${big}{{ L }}`,
      `${nested}{{ L | join | length }}`,
      `${nested}{{ L | map("string") | length }}`,
      `${big}{{ (L | sum(start="")) | length }}`,
    ]) {
      const before = process.memoryUsage().rss;
      expect(faultOf(template).kind, template).toBe("limit");
      expect(process.memoryUsage().rss - before, template).toBeLessThan(400e6);
    }
  });

  it("namespace() is plain data: only its own attributes are set, never a prototype's or another value's", () => {
    for (const name of ["constructor", "__proto__", "toString", "valueOf", "__x"]) {
      expect(faultOf(`{% set ns = namespace() %}{% set ns.${name} = 1 %}{{ ns }}`).kind, name).toBe("unsafe");
      expect(faultOf(`{% set ns = namespace({"${name}": 1}) %}{{ ns }}`).kind, name).toBe("unsafe");
    }
    expect(faultOf("{% set ns = namespace(valueOf=1) %}").kind).toBe("unsafe");
    expect(faultOf("{% set d = {} %}{% set d.x = 1 %}").kind).toBe("render");
    expect(faultOf("{% for i in [1] %}{% set loop.index = 5 %}{% endfor %}").kind).toBe("render");
    expect(faultOf("{% set ns = namespace(a=1) %}{{ ns.toString }}").kind).toBe("unsafe");
    expect(render("{% set ns = namespace(a=1) %}{% set ns.self = ns %}{{ ns }}")).toBe("<Namespace {'a': 1, 'self': <Namespace {...}>}>");
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it("ordering lists of large lists is refused instead of turning each into text", () => {
    const nested = '{% set s = "A" | center(4000000) %}{% set ns = namespace(L=[[s, "x"]]) %}{% for i in range(11) %}{% set ns.L = ns.L + ns.L %}{% endfor %}{% set L = ns.L %}';
    for (const filter of ["max", "min", "sort"]) expect(faultOf(`${nested}{{ L | ${filter} | length }}`).kind).toBe("render");
    expect(faultOf(`${nested}{% if L[0] < L[1] %}x{% endif %}`).kind).toBe("render");
    expect(render("{% if [1] == [1] %}same{% else %}different{% endif %} {{ [1] == 1 }}")).toBe("different False");
  });

  it("trim(chars) and strip(chars) stay linear with long character sets", () => {
    const mk = '{% set t = ("A" | center(1000000)).replace(" ", "A") %}{% set c = ("B" | center(1000000)).replace(" ", "B") ~ "A" %}';
    expect(render(`${mk}{{ (t | trim(c)) | length }}|{{ t.strip(c) | length }}`)).toBe("0|0");
  });

  it("a filter that makes one item per character pays for them before making them", () => {
    const s = '{% set s = ("A" | center(2000000)).replace(" ", "ab") %}';
    for (const body of ["s | sort", "s | batch(1)", "s | list", "s | unique", "s.split('a')"]) {
      expect(faultOf(`${s}{% set keep = [] %}{% for i in range(20) %}{% set keep = keep + [${body}] %}{% endfor %}`).kind, body).toBe("limit");
    }
  });

  it("literal text written in a loop counts against the output length", () => {
    const fault = faultOf(`{% set x %}{% for i in range(990) %}{% for j in range(500) %}${"B".repeat(500)}{% endfor %}{% endfor %}{% endset %}done`);
    expect(fault.limit).toBe("maxOutputLength");
  });
});
