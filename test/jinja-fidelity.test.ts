import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { checkTemplate, compileTemplate, parsePartial } from "../src/template/compile-template.ts";
import { requireComponent } from "./helpers/requirements.ts";

/**
 * Python's Jinja2 is the reference: every case renders with our nunjucks setup and with Jinja2 (autoescape off,
 * StrictUndefined, Jinja2's defaults otherwise: trim_blocks, lstrip_blocks and keep_trailing_newline off), and
 * the outputs must be byte-identical. Python runs once for all cases.
 */

interface Case {
  name: string;
  template: string;
  vars?: Record<string, unknown>;
  /** Partials by name: Jinja2 loads them with a DictLoader, PromptSync composes them (compose.ts). */
  partials?: Record<string, string>;
}

const MACROS = "{% macro greet(who, punct='!') %}Hello {{ who }}{{ punct }}{{ suffix | default('') }}{% endmacro %}\n{% set version = 3 %}{% set _hidden = 1 %}";
const BASE = "<title>{% block title %}Base{% endblock %}</title>\n{% block body %}[{% block inner %}inner{% endblock %}]{% endblock %}\n{% block footer %}(c) {{ company }}{% endblock %}\n";

const user = { name: "Ada", profile: { plan: "pro", locale: "en-GB" } };
const docs = [
  { title: "Refund policy", body: "Refunds within 30 days.", score: 0.925, tags: ["billing", "policy"] },
  { title: "Shipping", body: "Ships in 2 business days.", score: 0.715, tags: ["logistics"] },
  { title: "Warranty", body: "Two years on hardware.", score: 0.55, tags: ["policy", "hardware"] },
];
const people = [
  { name: "zoe", age: 31, active: true, team: "Core" },
  { name: "Bob", age: 25, active: false, team: "core" },
  { name: "alice", age: 42, active: true, team: "Web" },
];

const CASES: Case[] = [
  {
    name: "Python truthiness: empty lists and dicts are false; and/or return an operand",
    template: "{% if items %}has items{% else %}none{% endif %} {{ items or 'fallback' }} {{ (d and 'never') or 'empty dict' }}|{{ 'x' and 'y' }}{% if not {} %} not-empty{% endif %} {{ 'yes' if [0] else 'no' }}{% if not items and name %} {{ name }}{% endif %}",
    vars: { items: [], d: {}, name: "Ada" },
  },
  {
    name: "not applies to the whole comparison",
    template: "{{ 'small' if not n > 100 else 'big' }}",
    vars: { n: 5 },
  },
  {
    name: "variables and attribute chains",
    template: "You are a support agent for {{ company }}.\nCustomer: {{ user.name }} ({{ user.profile.plan }} plan, {{ user['profile'].locale }}, first doc: {{ docs[0].title }})",
    vars: { company: "Acme", user, docs },
  },
  {
    name: "for loop with loop.index, loop.length, loop.first, loop.last",
    template:
      "Context:\n{% for doc in docs %}{% if loop.first %}<docs>\n{% endif %}[{{ loop.index }}/{{ loop.length }}] {{ doc.title }}: {{ doc.body }}\n{% if loop.last %}</docs>{% endif %}{% endfor %}",
    vars: { docs },
  },
  {
    name: "nested loops with loop.index0 and loop.revindex",
    template: "{% for d in docs %}{{ loop.index0 }}.{{ loop.revindex }} {% for t in d.tags %}#{{ t }}{% if not loop.last %},{% endif %}{% endfor %}\n{% endfor %}",
    vars: { docs },
  },
  {
    name: "for/else on an empty list, unpacking pairs, range",
    template: "{% for m in history %}{{ m.role }}: {{ m.content }}\n{% else %}(no previous messages){% endfor %} {% for a, b in pairs %}{{ a }}={{ b }} {% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}",
    vars: { history: [], pairs: [["x", 1], ["y", 2]] },
  },
  {
    name: "if/elif/else with comparisons, and/or/not, tests",
    template:
      "{% for n in [0, 3, 12, 250] %}{% if n == 0 %}none{% elif n < 10 and n is odd %}a few{% elif n >= 10 and not (n > 100) %}many{% else %}lots{% endif %};{% endfor %}{% if 'billing' in docs[0].tags or False %} billing{% endif %}{% if 'x' not in 'abc' %} no-x{% endif %}{% if 4 is divisibleby(2) and 'a' is string %} ok{% endif %}",
    vars: { docs },
  },
  {
    name: "True/False/None in conditions",
    template:
      "{% if verbose == True %}verbose {% endif %}{% if strict is sameas(false) %}lenient {% endif %}{% if limit is none and limit == None %}unlimited {% endif %}{% if not flag %}no-flag {% endif %}{% if True and not False %}always {% endif %}{% if zero == 0 and not zero and '' == '' %}zero{% endif %}",
    vars: { verbose: true, strict: false, limit: null, flag: false, zero: 0 },
  },
  {
    name: "inline if, ~ concatenation, is defined",
    template:
      "{{ 'premium' if user.profile.plan == 'pro' else 'free' }} {{ user.name ~ '#' ~ 7 }} {{ 'x' if missing is defined }}|{% if nickname is defined %}{{ nickname }}{% else %}{{ user.name }}{% endif %}",
    vars: { user },
  },
  {
    name: "whitespace control {%- -%}, {{- -}} and {#- #}",
    template:
      "Rules:\n{%- for rule in rules %}\n  - {{ rule -}}\n{% endfor %}\n{#- a comment #}\n\n{%- if extra -%}\n   Extra: {{- ' ' ~ extra }}\n{%- endif %}\nEnd",
    vars: { rules: ["Be brief", "Cite sources"], extra: "be kind" },
  },
  {
    name: "block tags keep their newlines and indentation (trim_blocks, lstrip_blocks off)",
    template: "Start\n  {% if a %}\n  A\n  {% endif %}\n{% for x in [1, 2] %}\n{{ x }}\n{% endfor %}\nDone\n",
    vars: { a: true },
  },
  {
    name: "one trailing newline is dropped, the others are kept",
    template: "Hello {{ name }}\n\n",
    vars: { name: "Ada" },
  },
  {
    name: "CRLF and CR newlines become \\n",
    template: "System:\r\n{{ instructions }}\r\nUser:\r{{ question }}\r\n",
    vars: { instructions: "Answer briefly.", question: "Why?" },
  },
  {
    name: "multi-line system prompt with comments and sections",
    template: [
      "{# system prompt for the triage agent #}",
      "You triage tickets for {{ team | upper }}.",
      "",
      "## Labels",
      "{% for label in labels %}",
      "- {{ label.name }}: {{ label.description }}",
      "{% endfor %}",
      "{% if examples | length > 0 %}",
      "## Examples",
      "{% for ex in examples -%}",
      "{{ ex }}",
      "{% endfor %}",
      "{%- endif %}",
      "Reply with one label.",
      "",
    ].join("\n"),
    vars: { team: "platform", labels: [{ name: "bug", description: "Broken behaviour" }, { name: "question", description: "How-to" }], examples: ["Login fails -> bug"] },
  },
  {
    name: "few-shot chat prompt",
    template: [
      "{%- for ex in examples %}",
      '<example index="{{ loop.index }}">',
      "Q: {{ ex.q | trim }}",
      "A: {{ ex.a | trim }}",
      "</example>",
      "{% endfor -%}",
      "",
      "Q: {{ question }}",
      "A:",
    ].join("\n"),
    vars: { examples: [{ q: " 2+2? ", a: "4\n" }, { q: "Capital of France?", a: " Paris" }], question: "3*3?" },
  },
  {
    name: "set and set blocks",
    template: "{% set greeting = 'Hi ' ~ user.name %}{{ greeting }}!{% set n = docs | length %} {{ n + 1 }}{% set footer %}-- {{ user.profile.plan | upper }} --{% endset %}\n{{ footer }}",
    vars: { user, docs },
  },
  {
    name: "macros with defaults and keyword arguments",
    template:
      "{% macro message(role, content, name=none) %}<|{{ role }}{% if name %}:{{ name }}{% endif %}|>{{ content }}<|end|>{% endmacro %}{{ message('system', 'Be helpful.') }}\n{{ message('user', question, name=user.name) }}",
    vars: { question: "What is 2+2?", user },
  },
  {
    name: "raw blocks",
    template: 'Output format:\n{% raw %}{{ "answer": "..." }} {% if %}{% endraw %}\nQuestion: {{ q }}',
    vars: { q: "ok?" },
  },
  {
    name: "dict.items(), the items filter, dictsort, dict.get",
    template:
      "{% for key, value in meta.items() %}{{ key }}={{ value }};{% endfor %}\n{% for k, v in meta | items %}{{ k }}:{{ v }} {% endfor %}\n{% for k, v in meta | dictsort %}{{ k }} {% endfor %}{{ meta.get('lang') }} {{ meta.get('nope', '-') }}",
    vars: { meta: { source: "kb", lang: "de", version: 3 } },
  },
  {
    name: "list slices within bounds",
    template: "{{ xs[:2] | join(',') }}|{{ xs[1:] | join(',') }}|{{ xs[1:-1] | join(',') }}|{{ xs[-2:] | join(',') }}|{{ xs[::2] | join(',') }}|{{ xs[::-1] | join(',') }}",
    vars: { xs: ["a", "b", "c", "d", "e"] },
  },
  {
    name: "string filters: upper lower capitalize trim replace center",
    template: "{{ a | upper }}|{{ a | lower }}|{{ b | capitalize }}|[{{ c | trim }}]|{{ a | replace('o', '0') }}|{{ a | replace('o', '0', 1) }}|{{ 'ok' | center(8) }}|",
    vars: { a: "Hello World foo", b: "the QUICK brown fox", c: "  \n spaced out \t " },
  },
  {
    name: "title splits words at spaces, hyphens and brackets",
    template: "{{ a | title }}|{{ b | title }}",
    vars: { a: "the QUICK brown fox", b: "state-of-the-art (beta) release" },
  },
  {
    name: "join, length, count, first, last (strings count code points)",
    template:
      "{{ tags | join(', ') }} ({{ tags | length }}/{{ tags | count }}) {{ tags | first }}..{{ tags | last }} {{ word | length }} {{ emoji | length }} {{ meta | length }} {{ nums | join }}",
    vars: { tags: ["rag", "eval", "safety"], word: "prompt", emoji: "ok 👍", meta: { a: 1, b: 2 }, nums: [1, 2, 3] },
  },
  {
    name: "default and d, with boolean=true on empty values",
    template:
      "{{ tone | default('neutral') }} {{ style | d('plain') }} [{{ empty | default('fallback', true) }}] [{{ empty | d('x') }}] [{{ none_list | d('no items', true) }}] [{{ zero | default('0 is false', boolean=true) }}] {{ given | default('unused') }}",
    vars: { empty: "", none_list: [], zero: 0, given: "set" },
  },
  {
    name: "sort and reverse",
    template:
      "{{ words | sort | join(' ') }}|{{ words | sort(reverse=true) | join(' ') }}|{{ words | sort(case_sensitive=true) | join(' ') }}|{{ people | sort(attribute='age') | map(attribute='name') | join(',') }}|{{ words | reverse | join(' ') }}|{{ 'abc' | reverse }}|{% for n in [3, 1, 2] | sort %}{{ n }}{% endfor %}",
    vars: { words: ["banana", "Apple", "cherry"], people },
  },
  {
    name: "round: ties to even on the exact binary value, floor, ceil",
    template:
      "{% for x in scores %}{{ x | round(2) }} {{ x | round(1, 'floor') }} {{ x | round(2, 'ceil') }} {{ x | round | int }};{% endfor %} {{ 1.23456 | round(precision=3) }} {{ 2.5 | round | int }} {{ 3.5 | round | int }}",
    vars: { scores: [0.125, 0.375, 2.675, 1.115, 0.615, -1.255, 1234.5678, 3.14159] },
  },
  {
    name: "numbers: int, float, arithmetic",
    template: "{{ '42' | int }} {{ '3.7' | int }} {{ -3.7 | int }} {{ '2.5' | float }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ score * 100 }} {{ -5 | abs }} {{ [1, 2, 3] | sum }}",
    vars: { score: 0.255 },
  },
  {
    name: "indent: blank lines stay empty, first=true, a string as width",
    template: "Document:\n    {{ body | indent }}\n{{ body | indent(2, true) }}\n{{ body | indent(first=true, blank=true) }}\n{{ body | indent('> ') }}",
    vars: { body: "line one\n\nline two\n  nested\n" },
  },
  {
    name: "truncate: leeway, end counted in the length, killwords",
    template:
      "{% for n in [3, 9, 20, 40, 45] %}[{{ text | truncate(n) }}]{% endfor %}\n{{ text | truncate(9, true) }}|{{ text | truncate(12, false, '…') }}|{{ text | truncate(length=15, end=' [cut]') }}|{{ text | truncate(10, leeway=0) }}|{{ cjk | truncate(8) }}",
    vars: { text: "The quick brown fox jumps over the lazy dog", cjk: "请用简体中文回答以下所有问题" },
  },
  {
    name: "wordcount counts words in any script",
    template: "{{ text | wordcount }} {{ 'one, two; three-four' | wordcount }} {{ '请 回答 café' | wordcount }} {{ '' | wordcount }}",
    vars: { text: "Summarise the following in under 50 words." },
  },
  {
    name: "escape and e with autoescape off",
    template: "{{ html }} {{ html | e }} {{ html | escape }}",
    vars: { html: "<b>\"Tom\" & 'Jerry'</b> C:\\temp" },
  },
  {
    name: "tojson: nested values, sorted keys, HTML-safe < > & '",
    template: "{{ payload | tojson }}",
    vars: { payload: { tool: "search", args: { query: "refund <policy> & 'terms'", limit: 5, filters: [true, false, null], threshold: 0.00001 }, score: 0.5, "quote\"d": "a\nb\t\\" } },
  },
  {
    name: "tojson: non-ASCII (Chinese, accents, emoji) escaped like ensure_ascii",
    template: "{{ text | tojson }} {{ {'城市': city, 'name': 'Zoë 😀'} | tojson }}",
    vars: { text: "你好，世界", city: "北京" },
  },
  {
    name: "tojson(indent=2) and tojson(2)",
    template: "{{ schema | tojson(indent=2) }}\n{{ [1, [], {}, {'a': [2]}] | tojson(2) }}",
    vars: { schema: { type: "object", required: ["answer"], properties: { answer: { type: "string" }, sources: { type: "array", items: { type: "string" } } } } },
  },
  {
    name: "unique, min, max: case-insensitive by default, attribute=",
    template:
      "{{ tags | unique | join(',') }} {{ tags | unique(case_sensitive=true) | join(',') }} {{ people | unique(attribute='team') | map(attribute='name') | join(',') }} {{ nums | min }} {{ nums | max }} {{ words | min }} {{ words | max }} {{ (people | min(attribute='age')).name }} {{ (people | max(attribute='name')).name }}",
    vars: { tags: ["rag", "RAG", "eval", "rag"], nums: [4, -2, 9, 0], words: ["pear", "Apple", "zebra", "Mango"], people },
  },
  {
    name: "map(attribute=...), map(filter), select, reject, selectattr, batch",
    template:
      "{{ docs | map(attribute='title') | join(' | ') }}\n{{ people | map(attribute='name') | map('upper') | join(',') }} {{ people | map(attribute='email', default='n/a') | join(',') }}\n{% for row in nums | batch(3) %}{{ row | join(' ') }}\n{% endfor %}{{ nums | select('odd') | join(',') }} {{ nums | reject('odd') | join(',') }} {{ people | selectattr('active') | map(attribute='name') | join(',') }}",
    vars: { docs, people, nums: [1, 2, 3, 4, 5, 6, 7] },
  },
  {
    name: "RAG prompt with scores, truncation and a JSON tool call",
    template: [
      "{%- set top = docs | sort(attribute='score', reverse=true) -%}",
      "Answer using only these {{ top | length }} sources:",
      "{% for d in top %}",
      "[{{ loop.index }}] {{ d.title | title }} (relevance {{ d.score | round(2) }}): {{ d.body | truncate(20) }}",
      "{% endfor %}",
      "Call the tool like this: {{ {'name': 'cite', 'arguments': {'ids': top | map(attribute='title') | list, 'lang': user.profile.locale} } | tojson }}",
    ].join("\n"),
    vars: { docs, user },
  },
  {
    name: "slicing a string, slices past the end, negative indexes",
    template: "{{ s[:3] }}|{{ xs[1:10] | join(',') }}|{{ xs[-10:2] | join(',') }}|{{ xs[-1] }}|{{ s[::-2] }}",
    vars: { s: "abcdef", xs: ["a", "b", "c"] },
  },
  {
    name: "join(attribute=...), sum(attribute=...), selectattr with a test, rejectattr",
    template: "{{ people | join(', ', attribute='name') }}|{{ people | sum(attribute='age') }}|{{ people | selectattr('age', 'gt', 30) | map(attribute='name') | join(',') }}|{{ people | rejectattr('active') | map(attribute='name') | join(',') }}",
    vars: { people },
  },
  {
    name: "loop.cycle, joiner's default separator, cycler",
    template: "{% for x in xs %}{{ loop.cycle('odd', 'even') }}:{{ x }} {% endfor %}|{% set j = joiner() %}{% for x in xs %}{{ j() }}{{ x }}{% endfor %}|{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}",
    vars: { xs: ["p", "q", "r"] },
  },
  {
    name: "string methods",
    template: "{{ s.upper() }}|{{ s.lower() }}|{{ s.strip() }}|{{ s.strip(' x') }}|{{ s.split() | join('+') }}|{{ 'a,b,,c'.split(',') | join('+') }}|{{ 'a,b,c'.split(',', 1) | join('+') }}|{{ s.replace('l', 'L', 2) }}|{{ 'y' if s.startswith('  He') else 'n' }}|{{ 'y' if s.endswith(('x', 'd  ')) else 'n' }}|{{ '-'.join(['a', 'b']) }}|{{ s.count('l') }}|{{ s.find('o') }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'y' if '42'.isdigit() else 'n' }}|{{ 'y' if 'ab1'.isalpha() else 'n' }}",
    vars: { s: "  Hello world  " },
  },
  {
    name: "lists concatenate with +",
    template: "{{ (xs + ['z']) | join(',') }} {{ (xs + ys) | length }}",
    vars: { xs: ["a", "b"], ys: ["c"] },
  },
  {
    name: "center, striptags, batch with fill, slice, tojson(indent)",
    template: "[{{ 'odd' | center(8) }}][{{ 'ab' | center(7) }}]|{{ '<p>Hi <b>there</b><!-- x --> you</p>' | striptags }}|{% for row in nums | batch(3, 0) %}{{ row | join(' ') }};{% endfor %}|{% for col in nums | slice(3) %}{{ col | join(' ') }};{% endfor %}|{{ {'b': [1, 2], 'a': None} | tojson(indent=2) }}",
    vars: { nums: [1, 2, 3, 4, 5, 6, 7] },
  },
  {
    name: "int and float of non-numbers fall back to their default",
    template: "{{ 'n/a' | int }} {{ 'n/a' | int(5) }} {{ ' 42 ' | int }} {{ 'ff' | int(base=16) }} {{ [1] | int }}",
  },
  {
    name: "include gets the context: the app's variables, sets and loop variables; its own sets stay inside",
    template: "{% set tone = 'calm' %}{% for name in names %}{% include '_shared/greeting' %}{% endfor %}|{{ local | default('not leaked') }}",
    vars: { names: ["Ada", "Bo"], company: "Acme" },
    partials: { "_shared/greeting": "{% set local = 'x' %}Hi {{ name }} from {{ company }} ({{ tone }}).\n" },
  },
  {
    name: "include with context, without context, ignore missing",
    template: "{% include '_p' with context %}|{% include '_p' without context %}|{% include '_missing' ignore missing %}|{% include '_missing' ignore missing without context %}.",
    vars: { name: "Ada" },
    partials: { _p: "{{ name if name is defined else 'nobody' }}" },
  },
  {
    name: "import without context: macros and top-level sets, not the caller's variables",
    template: "{% import '_macros' as m %}{{ m.greet('Ada') }} {{ m.greet('Bo', punct='?') }} v{{ m.version }} {{ 'exported' if m._hidden is defined else 'private' }}",
    vars: { suffix: " (unseen)" },
    partials: { _macros: MACROS },
  },
  {
    name: "import with context and from … import with aliases",
    template: "{% import '_macros' as m with context %}{{ m.greet('Ada') }}|{% from '_macros' import greet as hi, version %}{{ hi('Bo') }} v{{ version }}|{% from '_macros' import greet with context %}{{ greet('Cy') }}",
    vars: { suffix: " :)" },
    partials: { _macros: MACROS },
  },
  {
    name: "extends: blocks overridden, super(), text outside blocks ignored, nested blocks",
    template: "{% extends '_base/page' %}ignored text\n{% block title %}Child - {{ super() }}{% endblock %}\n{% block inner %}child {{ super() }} {{ 2 * 3 }}{% endblock %}",
    vars: { company: "Acme" },
    partials: { "_base/page": BASE },
  },
  {
    name: "extends over two levels, super() up the chain, sets of the child seen by the base",
    template: "{% extends '_mid' %}{% set who = 'child' %}{% block title %}C<{{ super() }}>{% endblock %}{% block footer %}{{ who }}: {{ super() }}{% endblock %}",
    vars: { company: "Acme" },
    partials: { "_base/page": BASE, _mid: "{% extends '_base/page' %}{% block title %}M<{{ super() }}>{% endblock %}{% block body %}mid {{ super() }}{% endblock %}" },
  },
  {
    name: "a block in a template that extends nothing renders in place",
    template: "before {% block intro %}Hi {{ name }}{% set inner = 1 %}{% endblock %} after {% if name %}{% block tail %}<{{ name | upper }}>{% endblock %}{% endif %}{{ inner | default('') }}",
    vars: { name: "Ada" },
  },
  {
    name: "a partial that includes another, imports macros and is included in a loop",
    template: "{% for t in tickets %}{% include '_ticket' %}\n{% endfor %}",
    vars: { tickets: [{ id: 1, title: "Refund" }, { id: 2, title: "Login" }] },
    partials: { _ticket: "{% from '_macros' import greet %}#{{ t.id }} {% include '_shared/title' %} {{ greet(t.title) }}", "_shared/title": "{{ t.title | upper }}", _macros: MACROS },
  },
  {
    name: "partials that set names and define macros keep them inside; whitespace control around include",
    template: "{% set title = 'outer' %}{% for item in items %}[{%- include '_item' -%}]{% endfor %} {{ title }}{% block b %}{% set title = 'block' %}{{ title }}{% endblock %} {{ title }}",
    vars: { items: ["a", "b"] },
    partials: { _item: "  {% macro show(x) %}<{{ x }}:{{ caller() }}>{% endmacro %}{% set title = 'inner ' ~ item %}{% call show(item) %}called{% endcall %} {{ title }}  " },
  },
  {
    name: "import with context sees loop variables; includes without context nested in one with context",
    template: "{% for n in [1, 2] %}{% import '_m' as m with context %}{{ m.twice() }} {% endfor %}|{% include '_outer' %}",
    vars: { who: "Ada" },
    partials: { _m: "{% macro twice() %}{{ n * 2 }}{% endmacro %}", _outer: "{{ who }}/{% include '_inner' without context %}", _inner: "{{ who | default('nobody') }}" },
  },
  {
    name: "extends: imports and macros of the child serve its blocks; super() twice; a block the base lacks is not rendered",
    template: "{% extends '_base/page' %}{% import '_macros' as m %}{% macro star(x) %}*{{ x }}*{% endmacro %}{% block title %}{{ super() }}{{ super() }}{% endblock %}{% block inner %}{{ m.greet(star('x')) }}{% endblock %}{% block nowhere %}{{ super() }}{% endblock %}",
    vars: { company: "Acme" },
    partials: { "_base/page": BASE, _macros: MACROS },
  },
  {
    name: "an include inside a child's block; the included partial extends a base of its own, whose blocks are its own",
    template: "{% extends '_base/page' %}{% block body %}<{% include '_card' %}>{% endblock %}",
    vars: { company: "Acme", title: "Refund" },
    partials: { "_base/page": BASE, _card: "{% extends '_base/card' %}{% block title %}{{ title | upper }}{% endblock %}", "_base/card": "[{% block title %}untitled{% endblock %}|{% block footer %}card footer{% endblock %}]" },
  },
  {
    name: "block modifiers: scoped in a loop, required defined two levels down",
    template: "{% extends '_mid2' %}{% block body %}{% for i in [1, 2] %}{% block item scoped %}<{{ i }}>{% endblock %}{% endfor %}{% endblock %}",
    vars: { company: "Acme" },
    partials: { "_base/page": BASE.replace("{% block inner %}inner{% endblock %}", "{% block inner required %}{# defined below #}{% endblock %}"), _mid2: "{% extends '_base/page' %}{% block inner %}x{% endblock %}" },
  },
  {
    name: "string and list repetition with *",
    template: "{{ '=' * 3 }}|{{ 3 * 'ab' }}|{{ 'x' * 0 }}|{{ 'x' * -2 }}|{{ ([1, 2] * 2) | join(',') }}|{{ 2 * 3 }}|{{ 2 * 1.25 }}|{{ ' ' * n }}.",
    vars: { n: 4 },
  },
  {
    name: "a set inside a loop stays in its iteration: each one sees the outer value, none leaks out",
    template:
      '{% set x = "" %}{% for i in range(8) %}{% set x = x ~ "x" %}<{{ x }}>{% endfor %}[{{ x }}] {% set total = 0 %}{% for n in [1, 2] %}{% set total = total + n %}{% endfor %}{{ total }} {% for i in range(3) %}{% if i == 0 %}{% set y = "set" %}{% endif %}{{ y | default("unset") }} {% endfor %}{{ y | default("gone") }} {% for a in [1, 2] %}{% for b in [3, 4] %}{% set c = b %}{% endfor %}{{ a }}{{ c | default("-") }}{% endfor %} {% for k, v in pairs %}{% set k = k | upper %}{{ k }}{{ v }}{% endfor %}',
    vars: { pairs: [["a", 1], ["b", 2]] },
  },
  {
    name: "namespace() carries state across iterations; its attributes are set with set ns.name",
    template:
      "{% set ns = namespace(n=0, found=none) %}{% for i in range(3) %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }} {% for d in docs %}{% if ns.found is none and 'policy' in d.tags %}{% set ns.found = d.title %}{% endif %}{% endfor %}{{ ns.found }} {% set acc = namespace(items=[], text='') %}{% for t in ['a', 'b'] %}{% for u in [1, 2] %}{% set acc.items = acc.items + [t ~ u] %}{% endfor %}{% endfor %}{{ acc.items | join(',') }} {% set m = namespace({'a': 1}, b=2) %}{{ m.a + m.b }} {% macro bump(x) %}{% set x.n = x.n * 10 %}{% endmacro %}{{ bump(ns) }}{{ ns.n }} {% set acc.text %}block {{ ns.n }}{% endset %}{{ acc.text }} {{ 'yes' if namespace() else 'no' }}{% if not namespace() %}!{% endif %}",
    vars: { docs },
  },
  {
    name: "printing booleans and None inside values, ~ and string as Python's str()",
    template: "{{ True }} {{ flag }} {{ 1 < 2 }} {{ [flag, none] }} {{ 'x' ~ none ~ true }} {{ none | string }} {{ flag | string }} {{ [1, none, 'a'] | join('/') }}",
    vars: { flag: false },
  },
  {
    name: "printing lists and dicts as Python's repr",
    template: "{{ tags }} {{ meta }} {{ [1, 'a', none, true] }} {{ {'a': 1} }} {{ [] }} {{ {} }} {{ [[1, [2]], {'k': {'n': [none]} }] }} {{ 'items: ' ~ tags }} {{ meta | string }} {{ [tags] | join }}|{% set ns2 = namespace(xs=tags) %}{{ ns2 }}",
    vars: { tags: ["a", "b"], meta: { k: 1, nested: { x: [true, false] } } },
  },
  {
    name: "repr of strings: the quotes Python picks and its escapes",
    template: "{{ xs }}|{{ d }}|{{ xs | string }}|{{ '<' ~ d ~ '>' }}",
    vars: { xs: ["a'b", 'a"b', "a'\"b", "\\ \n\t\u00a0\u2028\u200b\u0007\x7f\x85 é 👍"], d: { "k\u00a0": [null, false, 1.5, 0.00001, -3], z: {} } },
  },
  {
    name: "join over a string joins its characters",
    template: "{{ 'abc' | join('-') }}|{{ word | join }}|{{ word | join(', ') }}",
    vars: { word: "héllo" },
  },
];

/**
 * Divergences we know about, kept out of the table above; the test asserts that they still differ, so this
 * list stays true. `nunjucks` is our output, or a RegExp when we throw instead.
 */
export const KNOWN_DIFFERENCES: (Case & { nunjucks: string | RegExp; jinja2: string; why: string })[] = [
  {
    name: "printing None",
    template: "{{ none_value }}",
    vars: { none_value: null },
    nunjucks: /attempted to output null or undefined value/,
    jinja2: "None",
    why: "strict mode throws on null as on undefined (both SDKs; lenient mode prints it empty); None inside a list, a dict, ~ or string prints None",
  },
  {
    name: "whole-number floats",
    template: "{{ 2.0 }} {{ 6 / 2 }} {{ 2.5 | round }} {{ '3' | float }}",
    nunjucks: "2 3 2 3",
    jinja2: "2.0 3.0 2.0 3.0",
    why: "JavaScript has one number type",
  },
];

const PYTHON_RENDER = `
import json, sys
import jinja2

results = []
for case in json.loads(sys.argv[1]):
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, loader=jinja2.DictLoader(case["partials"]))
    try:
        results.append({"output": env.from_string(case["template"]).render(case["vars"])})
    except Exception as error:
        results.append({"error": f"{type(error).__name__}: {error}"})
print(json.dumps(results))
`;

type PythonResult = { output: string } | { error: string };

/** Renders all cases with Jinja2 in one python3 run: the script on stdin, the cases as JSON in argv. */
function renderWithJinja2(cases: Case[]): PythonResult[] {
  const input = JSON.stringify(cases.map((c) => ({ template: c.template, vars: c.vars ?? {}, partials: c.partials ?? {} })));
  const run = spawnSync(PYTHON, ["-", input], { input: PYTHON_RENDER, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as PythonResult[];
}

/** What the product does: the safety check, then compile and render. */
function render(c: Case): string {
  const partials = (name: string) => (c.partials && Object.hasOwn(c.partials, name) ? (parsePartial(c.partials[name]!).root ?? null) : undefined);
  const { problems, composition } = checkTemplate(c.template, partials);
  if (problems.length + composition.length > 0) throw new Error(`checkTemplate rejected the template: ${JSON.stringify([...problems, ...composition])}`);
  return compileTemplate(c.template, { strict: true, partials }).render(c.vars ?? {});
}

/** python3 on PATH, or PROMPTSYNC_PYTHON where Jinja2 belongs to another interpreter (see .ci/run). */
const PYTHON = process.env.PROMPTSYNC_PYTHON ?? "python3";
const probe = spawnSync(PYTHON, ["-c", "import jinja2"], { encoding: "utf8" });
const available = requireComponent(
  "python3 with jinja2",
  probe.status === 0,
  probe.error ? `python3 did not start (${probe.error.message})` : (probe.stderr.trim().split("\n").at(-1) ?? ""),
);

describe.runIf(available)("rendering matches Jinja2 byte for byte", () => {
  let jinja: PythonResult[] = [];
  beforeAll(() => {
    jinja = renderWithJinja2([...CASES, ...KNOWN_DIFFERENCES]);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))("%s", (_name, c, i) => {
    expect(jinja[i]).toEqual({ output: render(c) });
  });

  it.each(KNOWN_DIFFERENCES.map((c, i) => [c.name, c, CASES.length + i] as const))("known difference: %s", (_name, c, i) => {
    expect(jinja[i]).toEqual({ output: c.jinja2 });
    if (typeof c.nunjucks === "string") expect(render(c)).toBe(c.nunjucks);
    else expect(() => render(c)).toThrow(c.nunjucks);
  });
});
