import { nunjucks } from "./nunjucks.ts";
import type { TemplateNode } from "./template-node.ts";
import { isPartialName } from "../formats/partial-name.ts";

/**
 * Composes a template with its partials into one tree, before it is compiled: `include` and the blocks of a
 * template that extends nothing become scopes, `import` and `from` modules, `extends` the base template with the
 * child's blocks put in place and `super()` the parent's block. The tree then compiles to one function
 * (compiler.ts), so a prompt made of partials renders as fast as the same prompt written inline, and the guard
 * and the budget cover the partials' code as they cover the prompt's.
 */

/**
 * A partial's parsed tree; null when it exists but does not parse (reported by its own check). `composed`, when
 * set, is told how many nodes each composition made (super() and blocks copy without a lookup), so that a lookup
 * shared by a prompt's templates can bound them together.
 */
export type PartialLookup = ((name: string) => TemplateNode | null | undefined) & { composed?: (nodes: number) => void };

export interface CompositionProblem {
  code: "MISSING_PARTIAL" | "PARTIAL_CYCLE" | "INVALID_PARTIAL";
  /** The partial whose text holds the tag, or undefined for the template being composed. */
  partial: string | undefined;
  /** 1-based, relative to that template. */
  line: number;
  column: number;
  message: string;
}

interface Composition {
  root: TemplateNode;
  /** Every partial reached, directly or through another, sorted. */
  partials: string[];
  /** The partials whose lines the composed tree numbers past PARTIAL_LINES (partialLine reads them back). */
  lineNames: string[];
  problems: CompositionProblem[];
}

/** Partials nested deeper than this are refused (a chain this long is a mistake or an attack). */
const MAX_PARTIAL_DEPTH = 32;
/** Nodes a composed template may have: partials included many times over must not multiply without bound. */
const MAX_COMPOSED_NODES = 50_000;

type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => TemplateNode;
const nodes = (nunjucks as unknown as { nodes: Record<string, NodeClass & { extend(name: string, props: object): NodeClass }> }).nodes;

/** An include with context, or a block rendered in place: its own scope; `isolated` when it gets no context. */
const PartialScope = nodes.Node!.extend("PartialScope", { fields: ["body", "isolated"] });
/** `import` / `from … import`: the partial run as a module, its exports bound to `targets` (`exports` null: the module). */
const PartialImport = nodes.Node!.extend("PartialImport", { fields: ["body", "withContext", "exports", "targets"] });

interface Block {
  node: TemplateNode;
  /** The template the block is written in. */
  where: string | undefined;
}

/**
 * Lines of a partial's text in the composed tree are numbered `index × PARTIAL_LINES + line`, so that a fault while
 * rendering says which partial and which of its lines (a template has fewer lines than this).
 */
const PARTIAL_LINES = 2 ** 24;

/** A 1-based line of the composed tree as the template, or the partial, and the line it is in. */
export function partialLine(line: number, lineNames: readonly string[]): { partial?: string; line: number } {
  const index = Math.floor((line - 1) / PARTIAL_LINES);
  const partial = index > 0 ? lineNames[index - 1] : undefined;
  return partial === undefined ? { line } : { partial, line: ((line - 1) % PARTIAL_LINES) + 1 };
}

class Composer {
  readonly problems: CompositionProblem[] = [];
  readonly reached = new Set<string>();
  readonly lineNames: string[] = [];
  private readonly lineIndex = new Map<string, number>();
  size = 0;

  private readonly lookup: PartialLookup;
  /** A partial checked on its own: its required blocks are for the templates that extend it to define. */
  private readonly standalone: boolean;

  constructor(lookup: PartialLookup, standalone: boolean) {
    this.lookup = lookup;
    this.standalone = standalone;
  }

  problem(code: CompositionProblem["code"], where: string | undefined, node: TemplateNode, message: string): void {
    this.problems.push({ code, partial: where, line: node.lineno + 1, column: node.colno + 1, message });
  }

  /** A template as a list of statements, with everything it extends resolved. */
  template(root: TemplateNode, where: string | undefined, stack: readonly string[]): TemplateNode {
    const children = root.children ?? [];
    const extendsAt = children.findIndex((c) => c.typename === "Extends");
    if (extendsAt >= 0) return this.extended(root, where, stack);
    const scope = { where, stack, chains: this.chainsOf([{ root, where }]) };
    return this.list(root, children.map((c) => this.node(c, scope)));
  }

  /** A template that extends another: the chain up to the base, its blocks overridden from the most derived. */
  private extended(root: TemplateNode, where: string | undefined, stack: readonly string[]): TemplateNode {
    const levels: { root: TemplateNode; where: string | undefined; stack: readonly string[] }[] = [{ root, where, stack }];
    for (;;) {
      const level = levels.at(-1)!;
      const children = level.root.children ?? [];
      const extendsNodes = children.filter((c) => c.typename === "Extends");
      if (extendsNodes.length === 0) break;
      if (extendsNodes.length > 1) this.problem("INVALID_PARTIAL", level.where, extendsNodes[1]!, "a template extends one template: remove the second {% extends %}");
      const parent = this.load(extendsNodes[0]!, level.where, level.stack, "extends");
      if (!parent) return this.list(root, []);
      levels.push({ root: parent.root, where: parent.name, stack: [...level.stack, parent.name] });
    }
    const chains = this.chainsOf(levels);
    const statements: TemplateNode[] = [];
    for (const level of levels.slice(0, -1)) {
      const scope = { where: level.where, stack: level.stack, chains };
      const children = level.root.children ?? [];
      const at = children.findIndex((c) => c.typename === "Extends");
      // As in Jinja: what precedes {% extends %} renders; after it, only definitions run, and blocks come from the base.
      children.forEach((child, i) => {
        if (i < at || DEFINITIONS.has(child.typename)) statements.push(this.node(child, scope));
        else if (child.typename !== "Extends") this.nestedExtends(child, level.where);
      });
    }
    const base = levels.at(-1)!;
    const extendsTag = (root.children ?? []).find((c) => c.typename === "Extends")!;
    const scope = { where: base.where, stack: base.stack, chains, extendedBy: { where, tag: extendsTag } };
    statements.push(...(base.root.children ?? []).map((c) => this.node(c, scope)));
    return this.list(root, statements);
  }

  private nestedExtends(node: TemplateNode, where: string | undefined): void {
    for (const found of findAll(node, "Extends")) this.problem("INVALID_PARTIAL", where, found, "{% extends %} must be at the top level of a template, not inside another tag");
  }

  /** Every block of every level, by name: the most derived first, each next one what its super() renders. */
  private chainsOf(levels: readonly { root: TemplateNode; where: string | undefined }[]): Map<string, Block[]> {
    const chains = new Map<string, Block[]>();
    for (const level of levels) {
      const seen = new Set<string>();
      for (const block of findAll(level.root, "Block")) {
        const name = String((block.name as TemplateNode).value);
        if (seen.has(name)) {
          this.problem("INVALID_PARTIAL", level.where, block, `block "${name}" is defined twice in this template`);
          continue;
        }
        seen.add(name);
        if (block.required === true && !isBlank(block.body as TemplateNode)) {
          this.problem("INVALID_PARTIAL", level.where, block, `required block "${name}" may only hold whitespace and comments: the templates that extend this one define it`);
        }
        chains.set(name, [...(chains.get(name) ?? []), { node: block, where: level.where }]);
      }
    }
    return chains;
  }

  private load(tag: TemplateNode, where: string | undefined, stack: readonly string[], what: string): { root: TemplateNode; name: string } | undefined {
    const ref = tag.template as TemplateNode;
    if (ref.typename !== "Literal" || typeof ref.value !== "string") {
      this.problem("INVALID_PARTIAL", where, tag, `the partial a {% ${what} %} names must be a literal string: partials are resolved when the prompt is built`);
      return undefined;
    }
    const name = ref.value;
    if (!isPartialName(name)) {
      const extension = /\.[A-Za-z0-9]+$/.test(name) ? ` (drop the extension: "${name.replace(/\.[A-Za-z0-9]+$/, "")}")` : "";
      this.problem("INVALID_PARTIAL", where, tag, `"${name}" is not a partial name${extension}: a partial is a file or folder of the prompts folder whose name starts with _, named by its path without the extension, such as "_shared/safety" (no "..", no leading /)`);
      return undefined;
    }
    if (stack.includes(name) || name === where) {
      this.problem("PARTIAL_CYCLE", where, tag, `partials include each other in a cycle: ${[...stack, name].join(" → ")}`);
      return undefined;
    }
    if (stack.length >= MAX_PARTIAL_DEPTH) {
      this.problem("INVALID_PARTIAL", where, tag, `partials are nested more than ${MAX_PARTIAL_DEPTH} deep`);
      return undefined;
    }
    const root = this.lookup(name);
    if (root === undefined) {
      if (tag.ignoreMissing !== true) this.problem("MISSING_PARTIAL", where, tag, `partial "${name}" does not exist: add ${name}.txt or ${name}.md to the prompts folder`);
      return undefined;
    }
    this.reached.add(name);
    return root === null ? undefined : { root, name };
  }

  private node(node: TemplateNode, scope: Scope): TemplateNode {
    switch (node.typename) {
      case "Include": {
        const partial = this.load(node, scope.where, scope.stack, "include");
        if (!partial) return this.list(node, []);
        const body = this.template(partial.root, partial.name, [...scope.stack, partial.name]);
        // A partial that extends another runs the other's statements too: it keeps its scope.
        const binds = bindsName(partial.root) || partial.root.children?.some((c) => c.typename === "Extends") === true;
        return this.scope(node, body, node.withContext === false, binds);
      }
      case "Import":
      case "FromImport": {
        const partial = this.load(node, scope.where, scope.stack, node.typename === "Import" ? "import" : "from");
        const imports = node.typename === "Import" ? [{ name: null, target: node.target as TemplateNode }] : importedNames(node);
        const body = partial ? this.template(partial.root, partial.name, [...scope.stack, partial.name]) : this.list(node, []);
        const targets = imports.map((i) => this.copy(i.target));
        return this.made(new PartialImport(this.lineIn(scope.where, node.lineno), node.colno, body, node.withContext === true, imports.map((i) => i.name), targets));
      }
      case "Extends":
        this.problem("INVALID_PARTIAL", scope.where, node, "{% extends %} must be at the top level of a template, not inside another tag");
        return this.list(node, []);
      case "Block":
        return this.block(node, scope);
      case "FunCall":
        if (isSuperCall(node)) return this.superCall(node, scope);
        return this.copyWith(node, scope);
      default:
        return this.copyWith(node, scope);
    }
  }

  /** A block renders its most derived version in place, in its own scope. */
  private block(node: TemplateNode, scope: Scope): TemplateNode {
    const name = String((node.name as TemplateNode).value);
    const chain = scope.chains.get(name) ?? [{ node, where: scope.where }];
    if (scope.rendering?.includes(name)) {
      this.problem("INVALID_PARTIAL", scope.where, node, `block "${name}" contains itself`);
      return this.list(node, []);
    }
    if (chain[0]!.node.required === true && !this.standalone) {
      // Reported at the {% extends %} of the template that should have defined it, when there is one.
      const at = scope.extendedBy ?? { where: chain[0]!.where, tag: chain[0]!.node };
      this.problem("INVALID_PARTIAL", at.where, at.tag, `block "${name}" is required${chain[0]!.where === undefined ? "" : ` by "${chain[0]!.where}"`}: this template, or one it extends, must define it`);
    }
    return this.blockAt(chain, 0, scope, name);
  }

  private blockAt(chain: readonly Block[], index: number, scope: Scope, name: string): TemplateNode {
    const block = chain[index]!;
    const inner: Scope = { ...scope, where: block.where, superOf: { chain, index }, rendering: [...(scope.rendering ?? []), name] };
    const body = this.node(block.node.body as TemplateNode, inner);
    return this.scope(block.node, body, false, bindsName(block.node.body as TemplateNode));
  }

  /**
   * A partial's or a block's own scope. Where Jinja's semantics allow it, the body is inlined instead: with the
   * context, a body that binds no name (no set, macro or import) reads exactly what it would read in a scope of
   * its own and leaks nothing, so it renders in place, as fast as the same text written inline.
   */
  private scope(at: TemplateNode, body: TemplateNode, isolated: boolean, binds: boolean): TemplateNode {
    if (!isolated && !binds) return body;
    return this.made(new PartialScope(at.lineno, at.colno, body, isolated));
  }

  /** `super()`: the next block up the chain, captured as text. */
  private superCall(node: TemplateNode, scope: Scope): TemplateNode {
    const next = scope.superOf && scope.superOf.index + 1 < scope.superOf.chain.length ? scope.superOf : undefined;
    if (!next) {
      this.problem("INVALID_PARTIAL", scope.where, node, "super() is only valid inside a block that overrides a block of the template it extends");
      return this.made(new nodes.Literal!(node.lineno, node.colno, ""));
    }
    const name = String((next.chain[next.index]!.node.name as TemplateNode).value);
    const body = this.blockAt(next.chain, next.index + 1, { ...scope, rendering: scope.rendering?.slice(0, -1) }, name);
    return this.made(new nodes.Capture!(node.lineno, node.colno, body));
  }

  /** A 0-based line of a template or partial, numbered for the composed tree (see PARTIAL_LINES). */
  private lineIn(where: string | undefined, lineno: number): number {
    if (where === undefined) return lineno;
    let index = this.lineIndex.get(where);
    if (index === undefined) {
      index = this.lineNames.push(where);
      this.lineIndex.set(where, index);
    }
    return index * PARTIAL_LINES + lineno;
  }

  private copyWith(node: TemplateNode, scope: Scope): TemplateNode {
    const copy = this.made(Object.assign(Object.create(Object.getPrototypeOf(node) as object) as TemplateNode, node));
    copy.lineno = this.lineIn(scope.where, node.lineno);
    for (const field of node.fields) {
      const value = node[field];
      if (Array.isArray(value)) copy[field] = value.map((child: unknown) => (isNode(child) ? this.node(child, scope) : child));
      else if (isNode(value)) copy[field] = this.node(value, scope);
    }
    return copy;
  }

  private copy(node: TemplateNode): TemplateNode {
    return this.copyWith(node, { where: undefined, stack: [], chains: new Map() });
  }

  private list(at: TemplateNode, children: TemplateNode[]): TemplateNode {
    return this.made(new nodes.NodeList!(at.lineno, at.colno, children));
  }

  private made(node: TemplateNode): TemplateNode {
    this.size += 1;
    if (this.size > MAX_COMPOSED_NODES) throw new Oversized();
    return node;
  }
}

/** Thrown as soon as the composed tree grows past MAX_COMPOSED_NODES: composing stops there. */
class Oversized extends Error {}

interface Scope {
  where: string | undefined;
  stack: readonly string[];
  chains: Map<string, Block[]>;
  /** Inside a block: its chain and position, for super(). */
  superOf?: { chain: readonly Block[]; index: number };
  /** Names of the blocks being rendered, outermost first. */
  rendering?: readonly string[];
  /** In an extended template: the most derived template and its {% extends %} tag. */
  extendedBy?: { where: string | undefined; tag: TemplateNode };
}

/** Nodes that bind a name in the scope they run in. */
const BINDING_NODES = new Set(["Set", "Macro", "Import", "FromImport"]);

/** Whether a template as written (or a block's body) binds a name; an include in it becomes a scope of its own or binds nothing. */
function bindsName(root: TemplateNode): boolean {
  return [...BINDING_NODES].some((type) => findAll(root, type).length > 0);
}

/** Statements that still run after {% extends %}: they define names the blocks may use. */
const DEFINITIONS = new Set(["Set", "Macro", "Import", "FromImport"]);

function isNode(value: unknown): value is TemplateNode {
  return value !== null && typeof value === "object" && typeof (value as TemplateNode).typename === "string";
}

/** A body of whitespace text alone (comments leave nothing in the tree). */
function isBlank(body: TemplateNode): boolean {
  return (body.children ?? []).every((child) => child.typename === "Output" && (child.children ?? []).every((part) => part.typename === "TemplateData" && /^\s*$/.test(String(part.value))));
}

function isSuperCall(node: TemplateNode): boolean {
  const callee = node.name as TemplateNode;
  return callee.typename === "Symbol" && callee.value === "super";
}

function importedNames(node: TemplateNode): { name: string; target: TemplateNode }[] {
  return ((node.names as TemplateNode).children ?? []).map((child) =>
    child.typename === "Pair" ? { name: String((child.key as TemplateNode).value), target: child.value as TemplateNode } : { name: String(child.value), target: child },
  );
}

const searched = new WeakMap<TemplateNode, Map<string, TemplateNode[]>>();

/**
 * Nodes of a type anywhere in a parsed tree, in order; the bodies of included partials are not part of it.
 * Remembered per tree: a partial included many times over is searched once.
 */
function findAll(root: TemplateNode, typename: string): TemplateNode[] {
  let byType = searched.get(root);
  if (!byType) searched.set(root, (byType = new Map()));
  let nodes = byType.get(typename);
  if (!nodes) byType.set(typename, (nodes = search(root, typename)));
  return nodes;
}

function search(root: TemplateNode, typename: string): TemplateNode[] {
  const found: TemplateNode[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isNode(node)) return;
    if (node.typename === typename) found.push(node);
    for (const field of node.fields) visit(node[field]);
  };
  visit(root);
  return found;
}

/**
 * Composes a parsed template with its partials; problems name the template (or partial) and line of each tag.
 * `self` is the template's own name when it is a partial checked on its own.
 */
export function composeTemplate(root: TemplateNode, lookup: PartialLookup, self?: string): Composition {
  const composer = new Composer(lookup, self !== undefined);
  try {
    const composed = composer.template(root, self, self === undefined ? [] : [self]);
    lookup.composed?.(composer.size);
    return { root: new nodes.Root!(root.lineno, root.colno, composed.children ?? []), partials: [...composer.reached].sort(), lineNames: composer.lineNames, problems: composer.problems };
  } catch (error) {
    if (!(error instanceof Oversized)) throw error;
    const message = `the template and its partials make more than ${MAX_COMPOSED_NODES} nodes: a partial is included too many times over`;
    return { root: new nodes.Root!(0, 0, []), partials: [...composer.reached].sort(), lineNames: [], problems: [{ code: "INVALID_PARTIAL", partial: self, line: 1, column: 1, message }] };
  }
}

/** Tags composeTemplate resolves; `super()` is one too, an error outside a block. */
const COMPOSED_NODES = ["Include", "Import", "FromImport", "Extends", "Block"];

/** Whether a parsed template needs composing: it names a partial, has a block, or calls super(). */
export function usesPartials(root: TemplateNode): boolean {
  return COMPOSED_NODES.some((type) => findAll(root, type).length > 0) || findAll(root, "FunCall").some(isSuperCall);
}

/** How many nodes a parsed tree has. */
export function nodeCount(root: TemplateNode): number {
  let count = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isNode(node)) return;
    count += 1;
    for (const field of node.fields) visit(node[field]);
  };
  visit(root);
  return count;
}
