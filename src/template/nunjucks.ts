import nunjucks from "nunjucks";
import type { TemplateNode } from "./template-node.ts";

export type { TemplateNode };

interface ParserModule {
  parse(source: string, extensions?: unknown[], lexerTags?: unknown): TemplateNode;
}

interface TemplateErrorLike {
  message: string;
  lineno?: number;
  colno?: number;
}

// PromptSync needs the slice syntax (`items[1:]`) of nunjucks' Jinja compatibility, which patches nunjucks'
// parser for the whole process; everything else PromptSync's guarded runtime does itself.
nunjucks.installJinjaCompat();

const parser = (nunjucks as unknown as { parser: ParserModule }).parser;

interface AggregateParser {
  tokens: { index: number };
  peeked: unknown;
  failedAggregates?: Map<string, unknown>;
}

// The Jinja compatibility parses a `[` … `]` that fails as a list a second time, as a slice, so each level of nested
// brackets whose inside fails doubled the work: `{{ [[[…1:2:3:4…]]] }}` took 13 s at 16 levels, and a few hundred
// levels (the stack overflowing deep inside) never ended; a registry's template is hostile input. An aggregate that
// failed at a token fails again at once for the rest of that parse (its tokens alone decide it): parsing stays linear.
const parserPrototype = (parser as unknown as { Parser: { prototype: Record<string, unknown> } }).Parser.prototype;
const compatAggregate = parserPrototype.parseAggregate as (this: AggregateParser) => unknown;
parserPrototype.parseAggregate = function (this: AggregateParser) {
  const key = `${this.tokens.index}:${this.peeked ? 1 : 0}`;
  const failed = (this.failedAggregates ??= new Map<string, unknown>());
  if (failed.has(key)) throw failed.get(key);
  try {
    return compatAggregate.call(this);
  } catch (error) {
    failed.set(key, error);
    throw error;
  }
};

interface ParserState {
  peekToken(): { value: string; lineno: number; colno: number } | null;
  parsePrimary(): TemplateNode;
  parseUntilBlocks(...names: string[]): TemplateNode;
  fail(message: string, lineno?: number, colno?: number): never;
  skipSymbol(name: string): boolean;
  parseExpression(): TemplateNode;
  parseWithContext(): boolean | null;
  advanceAfterBlockEnd(name?: string): void;
}

const nodeClasses = (nunjucks as unknown as { nodes: Record<string, new (lineno: number, colno: number) => TemplateNode> }).nodes;

// Jinja's `{% include "x" ignore missing with context %}` / `without context`: nunjucks' include takes neither
// context form (its import and from do), so a real Jinja template would not parse. Same grammar as Jinja's.
(parser as unknown as { Parser: { prototype: Record<string, unknown> } }).Parser.prototype.parseInclude = function (this: ParserState) {
  const tag = this.peekToken()!;
  this.skipSymbol("include");
  const node = new nodeClasses.Include!(tag.lineno, tag.colno);
  node.template = this.parseExpression();
  if (this.skipSymbol("ignore") && this.skipSymbol("missing")) node.ignoreMissing = true;
  node.withContext = this.parseWithContext();
  this.advanceAfterBlockEnd(tag.value);
  return node;
};

// Jinja's block modifiers, `{% block name scoped %}` and `{% block name required %}`, which nunjucks' parser does not
// take: `scoped` changes nothing (PromptSync's blocks see the variables around them), `required` is checked when
// partials are composed (compose.ts).
(parser as unknown as { Parser: { prototype: Record<string, unknown> } }).Parser.prototype.parseBlock = function (this: ParserState) {
  const tag = this.peekToken()!;
  this.skipSymbol("block");
  const node = new nodeClasses.Block!(tag.lineno, tag.colno);
  const name = this.parsePrimary();
  if (name.typename !== "Symbol") this.fail("parseBlock: variable name expected", tag.lineno, tag.colno);
  node.name = name;
  for (;;) {
    if (this.skipSymbol("scoped")) continue;
    if (!this.skipSymbol("required")) break;
    node.required = true;
  }
  this.advanceAfterBlockEnd(tag.value);
  node.body = this.parseUntilBlocks("endblock");
  this.skipSymbol("endblock");
  this.skipSymbol(String(name.value));
  const end = this.peekToken();
  if (!end) this.fail("parseBlock: expected endblock, got end of file");
  this.advanceAfterBlockEnd(end.value);
  return node;
};

/** Parses a template into nunjucks' AST; a syntax error throws with 1-based lineno/colno. */
export function parseTemplate(source: string): TemplateNode {
  return parser.parse(source);
}

export function templateErrorPosition(error: unknown): { line: number; column: number; message: string } {
  const e = error as TemplateErrorLike;
  const raw = String(e?.message ?? error);
  // nunjucks prefixes "(unknown path) [Line 3, Column 7]\n  "; keep only the reason.
  const message = raw.replace(/^\(unknown path\)(?: \[Line \d+, Column \d+\])?\s*/, "").trim();
  return { line: e?.lineno ?? 1, column: e?.colno ?? 1, message };
}

export { nunjucks };
