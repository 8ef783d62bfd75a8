import { RenderFault, unsafe } from "./fault.ts";
import { isForbiddenMember } from "./forbidden-members.ts";
import { nunjucks } from "./nunjucks.ts";
import type { TemplateNode } from "./template-node.ts";
import { installPythonTruthiness } from "./truthiness.ts";

/**
 * PromptSync's compiler: nunjucks' compiler with every read, call, filter, test, concatenation, output and loop
 * iteration routed through the guarded runtime (runtime.ts), and the tags a prompt may not use refused.
 * Line numbers passed to the runtime are 1-based.
 */

interface Frame {
  lookup(name: string): string | undefined | null;
  set(name: string, value: string): void;
  push(isolateWrites?: boolean): Frame;
}

interface CompilerBase {
  buffer: string;
  throwOnUndefined: boolean;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: TemplateNode, frame: Frame): void;
  _compileAggregate(node: TemplateNode, frame: Frame, start?: string, end?: string): void;
  _getNodeName(node: TemplateNode): string;
  _tmpid(): string;
  compile(node: TemplateNode, frame?: Frame): void;
  getCode(): string;
}

type CompilerClass = new (name: string | undefined, throwOnUndefined: boolean) => CompilerBase;

const internals = nunjucks as unknown as {
  compiler: { Compiler: CompilerClass };
  nodes: {
    Node: { extend(name: string, props: object): new (lineno: number, colno: number, target: unknown) => TemplateNode };
    Capture: new (lineno: number, colno: number, body: TemplateNode) => TemplateNode;
    NodeList: new (lineno: number, colno: number, children: TemplateNode[]) => TemplateNode;
  };
  runtime: { Frame: new () => Frame };
};
const { Compiler } = internals.compiler;
const base = Compiler.prototype as unknown as {
  compileIf(node: TemplateNode, frame: Frame): void;
  _compileMacro(node: TemplateNode, frame: Frame | undefined): string;
};
const CompileFrame = internals.runtime.Frame;

const line = (node: TemplateNode) => node.lineno + 1;

class GuardedCompiler extends Compiler {
  compileSymbol(node: TemplateNode, frame: Frame): void {
    const local = frame.lookup(String(node.value));
    if (local) this._emit(local);
    else this._emit(`runtime.lookup(context, frame, ${JSON.stringify(node.value)})`);
  }

  compileLookupVal(node: TemplateNode, frame: Frame): void {
    const key = node.val as TemplateNode;
    if (key.typename === "Slice") {
      this._emit("runtime.slice(");
      this._compileExpression(node.target as TemplateNode, frame);
      for (const field of ["start", "stop", "step"]) {
        this._emit(", ");
        this._compileExpression(key[field] as TemplateNode, frame);
      }
      const subject = describeExpression(node.target as TemplateNode, false);
      this._emit(`, ${line(node)}${subject === undefined ? "" : `, ${JSON.stringify(subject)}`})`);
      return;
    }
    this._emit("runtime.member(");
    this._compileExpression(node.target as TemplateNode, frame);
    this._emit(", ");
    this._compileExpression(key, frame);
    this._emit(`, ${line(node)})`);
  }

  compileFunCall(node: TemplateNode, frame: Frame): void {
    const callee = node.name as TemplateNode;
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.call(`);
    const key = callee.typename === "LookupVal" ? (callee.val as TemplateNode) : undefined;
    if (key?.typename === "Literal" && typeof key.value === "string") {
      // `value.name(…)`: the same guarded member read, which also says what `value` was when it has no such member.
      this._emit("runtime.method(");
      this._compileExpression(callee.target as TemplateNode, frame);
      this._emit(", ");
      this._compileExpression(key, frame);
      const subject = describeExpression(callee.target as TemplateNode, false);
      this._emit(`, ${line(callee)}${subject === undefined ? "" : `, ${JSON.stringify(subject)}`})`);
    } else this._compileExpression(callee, frame);
    this._emit(`, ${JSON.stringify(describeExpression(callee, true) ?? this._getNodeName(callee))}, context, `);
    this._compileAggregate(node.args as TemplateNode, frame, "[", "]");
    this._emit(`, ${line(node)}))`);
  }

  compileFilter(node: TemplateNode, frame: Frame): void {
    const subject = describeExpression((node.args as TemplateNode).children?.[0], false);
    const named = subject === undefined ? "" : `, ${JSON.stringify(subject)}`;
    this._emit(`runtime.filter(${JSON.stringify((node.name as TemplateNode).value)}, ${line(node)}${named}).call(context, `);
    this._compileAggregate(node.args as TemplateNode, frame);
    this._emit(")");
  }

  compileIs(node: TemplateNode, frame: Frame): void {
    const test = node.right as TemplateNode;
    this._emit(`(runtime.test(${JSON.stringify(testNameOf(node))}, ${line(node)}).call(context, `);
    this.compile(node.left as TemplateNode, frame);
    if (test.typename === "FunCall") {
      this._emit(", ");
      this._compileAggregate(test.args as TemplateNode, frame);
    }
    this._emit(") === true)");
  }

  compileCompare(node: TemplateNode, frame: Frame): void {
    this._emit(`runtime.compare(${line(node)}, `);
    this.compile(node.expr as TemplateNode, frame);
    for (const op of node.ops as TemplateNode[]) {
      this._emit(`, ${JSON.stringify(op.type)}, `);
      this.compile(op.expr as TemplateNode, frame);
    }
    this._emit(")");
  }

  compileIn(node: TemplateNode, frame: Frame): void {
    this.binary("contains", node, frame);
  }

  compileAdd(node: TemplateNode, frame: Frame): void {
    this.binary("add", node, frame);
  }

  compileConcat(node: TemplateNode, frame: Frame): void {
    this.binary("concat", node, frame);
  }

  /** `*`, with Python's repetition of a string or list by an integer. */
  compileMul(node: TemplateNode, frame: Frame): void {
    this.binary("mul", node, frame);
  }

  /**
   * An included partial or a block rendered in place (compose.ts): its own scope, as in Jinja, so its `set`s and
   * macros stay inside. With context it reads the variables around it; without, only the globals.
   */
  compilePartialScope(node: TemplateNode): void {
    const isolated = node.isolated === true;
    this._emitLine("(function (context, frame) {");
    // A fresh compile-time frame: the partial's names never reuse the JavaScript variables of the template around it.
    this.compile(node.body as TemplateNode, new CompileFrame().push(true));
    this._emitLine(`})(${isolated ? "runtime.partialContext(context, frame, false)" : "context"}, ${isolated ? "new runtime.Frame()" : "frame.push(true)"});`);
  }

  /** `{% import %}` / `{% from … import %}`: the partial runs once as a module; its exports are bound like a `set`. */
  compilePartialImport(node: TemplateNode, frame: Frame): void {
    const module = this._tmpid();
    const buffer = this.buffer;
    // A module of macros alone, imported without context, is the same in every render: made once per compiled
    // template (macros keep no state, and each call is counted against the budget of the render that makes it).
    const once = node.withContext !== true && isMacroModule(node.body as TemplateNode);
    this._emitLine(once ? `var ${module} = partialModules.${module} ?? (partialModules.${module} = (function (context, frame) {` : `var ${module} = (function (context, frame) {`);
    this.buffer = this._tmpid();
    this._emitLine(`var ${this.buffer} = "";`);
    // A top-level compile frame: the module's macros and sets are its exports, as in the partial on its own.
    this.compile(node.body as TemplateNode, new CompileFrame());
    this._emitLine("return runtime.exportsOf(context);");
    this.buffer = buffer;
    this._emitLine(`})(runtime.partialContext(context, frame, ${node.withContext === true}), runtime.moduleFrame())${once ? ")" : ""};`);
    const exports = node.exports as (string | null)[];
    (node.targets as TemplateNode[]).forEach((target, i) => {
      const name = String(target.value);
      let id = frame.lookup(name);
      if (id === null || id === undefined) {
        id = this._tmpid();
        this._emitLine(`var ${id};`);
        // Like a macro defined here, the name then compiles to its JavaScript variable wherever this scope sees
        // it, instead of a run-time lookup through every frame: an imported macro is called as fast as an inline one.
        frame.set(name, id);
      }
      const exported = exports[i];
      this._emitLine(`${id} = ${exported === null || exported === undefined ? module : `runtime.imported(${module}, ${JSON.stringify(exported)}, ${line(node)})`};`);
      this._emitLine(`frame.set(${JSON.stringify(name)}, ${id}, true);`);
      this._emitLine(`if (frame.topLevel) context.setVariable(${JSON.stringify(name)}, ${id});`);
      if (!name.startsWith("_")) this._emitLine(`if (frame.topLevel) context.addExport(${JSON.stringify(name)});`);
    });
  }

  assertType(node: TemplateNode, ...types: unknown[]): void {
    // `super()` (compose.ts) is a Capture wherever an expression may be.
    if ((node as object) instanceof internals.nodes.Capture) return;
    (Compiler.prototype as unknown as { assertType(node: TemplateNode, ...types: unknown[]): void }).assertType.call(this, node, ...types);
  }


  private binary(operation: string, node: TemplateNode, frame: Frame): void {
    this._emit(`runtime.${operation}(`);
    this.compile(node.left as TemplateNode, frame);
    this._emit(", ");
    this.compile(node.right as TemplateNode, frame);
    this._emit(`, ${line(node)})`);
  }

  /** Dict keys as computed keys: `{"__proto__": x}` then makes an own property instead of setting the prototype. */
  compilePair(node: TemplateNode, frame: Frame): void {
    const key = node.key as TemplateNode;
    this._emit(`[${JSON.stringify(String(key.value))}]: `);
    this._compileExpression(node.value as TemplateNode, frame);
  }

  /**
   * A body: a loop iteration's, a macro's or `caller`'s, a branch's, a `set` block's, an included partial's. Its
   * statements, outputs and pieces of literal text cost steps (statementCost), charged in one call when it starts,
   * so that a body of many outputs, `if`s or `set`s, run in a loop, spends the budget as it runs. The template's
   * top level (compileRoot) runs once per render and is not counted.
   */
  compileNodeList(node: TemplateNode, frame: Frame): void {
    let cost = macroArgumentCost.get(node) ?? 0;
    for (const child of node.children ?? []) cost += statementCost(child);
    if (cost > 0) this._emitLine(`runtime.step(${cost}${Number.isInteger(node.lineno) ? `, ${line(node)}` : ""});`);
    for (const child of node.children ?? []) this.compile(child, frame);
  }

  /**
   * `{% elif %}`: nunjucks compiles it as an `if` inside the `else` branch, outside any body; wrapped in a body of
   * its own, each condition a render tests costs a step, so a long chain of them in a loop is counted.
   */
  compileIf(node: TemplateNode, frame: Frame): void {
    const elif = node.else_ as TemplateNode | null | undefined;
    if (elif?.typename !== "If") return base.compileIf.call(this, node, frame);
    const branch = Object.create(node) as TemplateNode;
    branch.else_ = new internals.nodes.NodeList(elif.lineno, elif.colno, [elif]);
    base.compileIf.call(this, branch, frame);
  }

  /** A macro or `caller`: the defaults of its parameters are evaluated at each call, so its body pays for them too. */
  _compileMacro(node: TemplateNode, frame?: Frame): string {
    const cost = expressionSize(node.args as TemplateNode) >>> NODES_PER_STEP_SHIFT;
    if (cost > 0) macroArgumentCost.set(node.body as TemplateNode, cost);
    return base._compileMacro.call(this, node, frame);
  }

  compileOutput(node: TemplateNode, frame: Frame): void {
    const out = this.throwOnUndefined ? "out" : "outLenient";
    for (const child of node.children ?? []) {
      if (child.typename === "TemplateData") {
        if (child.value) this._emitLine(`${this.buffer} += ${JSON.stringify(child.value)};`);
        continue;
      }
      this._emit(`${this.buffer} += runtime.${out}(${this.buffer}.length, `);
      this.compile(child, frame);
      const expression = this.throwOnUndefined ? describeExpression(child, true) : undefined;
      this._emitLine(`, ${line(child)}${expression === undefined ? "" : `, ${JSON.stringify(expression)}`});`);
    }
  }

  /**
   * Called at the top of every iteration: the loop variable, one operation of the budget, and the length of the
   * text the loop writes to, which literal text in the body grows without passing through `out`.
   */
  _emitLoopBindings(node: TemplateNode, _arr: string, i: string, len: string): void {
    // The loop variables stay in the loop's frame; everything a `set` put there in the previous iteration goes.
    const name = node.name as TemplateNode;
    const names = name.typename === "Array" ? (name.children ?? []).map((child) => String(child.value)) : [String(name.value)];
    this._emitLine(`runtime.loop(frame, ${i}, ${len}, ${line(node)}, ${this.buffer}.length, ${JSON.stringify(names)});`);
  }

  /**
   * `{% set %}`. A plain name is nunjucks' set; the runtime frame of a loop isolates writes (runtime.loop), so a
   * set inside a loop body stays in its iteration, as in Jinja2. `{% set ns.name = … %}` sets an attribute of a
   * `namespace()`, the only value a template may change.
   */
  compileSet(node: TemplateNode, frame: Frame): void {
    const [target] = node.targets as TemplateNode[];
    if (target?.typename !== "LookupVal") {
      (Compiler.prototype as unknown as { compileSet(node: TemplateNode, frame: Frame): void }).compileSet.call(this, node, frame);
      return;
    }
    const key = target.val as TemplateNode;
    this._emit("runtime.assignAttribute(");
    this._compileExpression(target.target as TemplateNode, frame);
    this._emit(`, ${JSON.stringify(String(key.value))}, `);
    if (node.value) this._compileExpression(node.value as TemplateNode, frame);
    else this.compile(node.body as TemplateNode, frame);
    this._emitLine(`, ${line(node)});`);
  }
}

/** A statement costs one step, plus one per 2^NODES_PER_STEP_SHIFT (16) nodes of its expressions. */
const NODES_PER_STEP_SHIFT = 4;

/** Bodies of macros whose parameters have large defaults: the extra steps each call costs (_compileMacro). */
const macroArgumentCost = new WeakMap<TemplateNode, number>();

/**
 * The steps one statement of a body costs each time the body runs: an output (`{{ … }}`) one, plus one per 16 nodes
 * of its expression; a piece of literal text one, plus one per 64 characters (as the budget charges output); any
 * other statement (`if`, `for`, `set`, a macro definition, a partial) one, plus one per 16 nodes of its expressions.
 * What a statement runs in bodies of its own (a branch, a loop body) is counted there.
 */
function statementCost(node: TemplateNode): number {
  // An included partial rendered in place: a body of its own.
  if (node.typename === "NodeList") return 0;
  if (node.typename !== "Output") return 1 + (expressionSize(node) >>> NODES_PER_STEP_SHIFT);
  let cost = 0;
  for (const child of node.children ?? []) {
    if (child.typename !== "TemplateData") cost += 1 + (expressionSize(child) >>> NODES_PER_STEP_SHIFT);
    else if (child.value) cost += 1 + (String(child.value).length >>> 6);
  }
  return cost;
}

/** Fields that hold a statement's bodies, which count themselves (an inline `if`'s are expressions). */
const BODY_FIELDS = new Set(["body", "else_", "default"]);

/** How many nodes a statement's or expression's own expressions have, its bodies left out. */
function expressionSize(node: TemplateNode): number {
  let size = 1;
  const visit = (value: unknown): void => {
    if (value !== null && typeof value === "object" && "typename" in value) size += expressionSize(value as TemplateNode);
  };
  for (const child of node.children ?? []) visit(child);
  for (const field of node.fields) {
    if (field === "children" || (BODY_FIELDS.has(field) && node.typename !== "InlineIf")) continue;
    const value = node[field];
    if (Array.isArray(value)) value.forEach(visit);
    else visit(value);
  }
  return size;
}

const Truthy = internals.nodes.Node.extend("PyTruthy", { fields: ["target"] });
installPythonTruthiness(GuardedCompiler.prototype as never, Truthy as never);

/**
 * How an expression reads in the template, for messages: a variable and its members (`user.tags`, `items[0]`)
 * and, with `calls`, the filters and calls applied to one (`items | first`, `name.upper()`). Undefined for
 * anything else. Only ever emitted as a JSON string literal.
 */
function describeExpression(node: TemplateNode | undefined, calls: boolean): string | undefined {
  switch (node?.typename) {
    case "Symbol":
      return String(node.value);
    case "LookupVal": {
      const inner = describeExpression(node.target as TemplateNode, calls);
      const key = node.val as TemplateNode;
      if (inner === undefined || key.typename !== "Literal") return undefined;
      const target = (node.target as TemplateNode).typename === "Filter" ? `(${inner})` : inner;
      if (typeof key.value === "number") return `${target}[${key.value}]`;
      if (typeof key.value !== "string") return undefined;
      return IDENTIFIER.test(key.value) ? `${target}.${key.value}` : `${target}[${JSON.stringify(key.value)}]`;
    }
    case "Filter": {
      if (!calls) return undefined;
      const [input, ...rest] = (node.args as TemplateNode).children ?? [];
      const subject = describeExpression(input, calls);
      return subject === undefined ? undefined : `${subject} | ${String((node.name as TemplateNode).value)}${rest.length > 0 ? "(…)" : ""}`;
    }
    case "FunCall": {
      if (!calls) return undefined;
      const callee = describeExpression(node.name as TemplateNode, calls);
      return callee === undefined ? undefined : `${callee}(${(node.args as TemplateNode).children?.length ? "…" : ""})`;
    }
    default:
      return undefined;
  }
}

/** A composed partial that only defines macros (and has whitespace around them). */
function isMacroModule(body: TemplateNode): boolean {
  return (body.children ?? []).every((child) =>
    child.typename === "Macro" || (child.typename === "Output" && (child.children ?? []).every((part) => part.typename === "TemplateData" && /^\s*$/.test(String(part.value)))),
  );
}

/**
 * Node types a prompt template may contain once composed with its partials (compose.ts turns include, import,
 * extends and blocks into PartialScope and PartialImport); anything else (extensions, async tags) is refused.
 */
const ALLOWED_NODES = new Set([
  "Root", "NodeList", "Output", "TemplateData", "Literal", "Symbol", "Group", "Array", "Dict", "Pair", "LookupVal",
  "Slice", "If", "InlineIf", "For", "Macro", "Caller", "FunCall", "Filter", "KeywordArgs", "Set", "Switch", "Case",
  "Capture", "In", "Is", "Or", "And", "Not", "Add", "Concat", "Sub", "Mul", "Div", "FloorDiv", "Mod", "Pow", "Neg",
  "Pos", "Compare", "CompareOperand", "PartialScope", "PartialImport",
]);

/** nunjucks writes names into the JavaScript it generates: a name must be a plain identifier. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The test an `is` names: `x is odd`, `x is divisibleby(3)`, and `x is none` (which the lexer makes a literal). */
export function testNameOf(is: TemplateNode): string | undefined {
  const test = is.right as TemplateNode;
  const named = test.typename === "FunCall" ? (test.name as TemplateNode) : test;
  if (named.typename === "Symbol" && IDENTIFIER.test(String(named.value))) return String(named.value);
  if (named.typename === "Literal" && (named.value === null || typeof named.value === "boolean")) return String(named.value);
  return undefined;
}

function requireName(node: TemplateNode | undefined, what: string): void {
  if (node?.typename !== "Symbol" || !IDENTIFIER.test(String(node.value))) {
    throw unsafe(`${what} must be a plain name (letters, digits and _)`, (node?.lineno ?? 0) + 1);
  }
  if (isForbiddenMember(String(node.value))) throw unsafe(`"${String(node.value)}" cannot be ${what}`, node.lineno + 1);
}

/** Refuses any tree that nunjucks' code generator would not turn into exactly what it reads. */
function assertCompilable(node: TemplateNode | null | undefined): void {
  if (!node || typeof node !== "object") return;
  if (!ALLOWED_NODES.has(node.typename)) {
    throw unsafe(`${node.typename.toLowerCase()} is not supported in prompt templates`, node.lineno + 1);
  }
  switch (node.typename) {
    case "Symbol":
      requireName(node, "a variable");
      break;
    case "Literal":
      if (node.value !== null && !["string", "number", "boolean"].includes(typeof node.value)) {
        throw unsafe("regular expression literals are not supported in prompt templates", node.lineno + 1);
      }
      break;
    case "Set":
      for (const target of node.targets as TemplateNode[]) {
        // `{% set ns.name = … %}`, alone in its tag: an attribute of a namespace (checked when it runs).
        if (target.typename === "LookupVal" && (node.targets as TemplateNode[]).length === 1) {
          requireName(target.target as TemplateNode, "a namespace");
          const key = target.val as TemplateNode;
          if (key.typename !== "Literal" || typeof key.value !== "string" || !IDENTIFIER.test(key.value)) throw unsafe("a namespace attribute must be a plain name (letters, digits and _)", target.lineno + 1);
          if (isForbiddenMember(key.value)) throw unsafe(`"${key.value}" cannot be a namespace attribute`, target.lineno + 1);
        } else requireName(target, "a set target");
      }
      break;
    case "For": {
      const name = node.name as TemplateNode;
      if (name.typename === "Array") for (const child of name.children ?? []) requireName(child, "a loop variable");
      else requireName(name, "a loop variable");
      break;
    }
    case "Macro":
    case "Caller":
      if (node.typename === "Macro") requireName(node.name as TemplateNode, "a macro name");
      for (const arg of (node.args as TemplateNode).children ?? []) {
        if (arg.typename === "KeywordArgs") for (const pair of arg.children ?? []) requireName(pair.key as TemplateNode, "a macro parameter");
        else requireName(arg, "a macro parameter");
      }
      break;
    case "Filter":
      requireName(node.name as TemplateNode, "a filter");
      break;
    case "Is":
      if (testNameOf(node) === undefined) throw unsafe("a test must be a plain name (letters, digits and _)", node.lineno + 1);
      break;
    case "PartialImport":
      for (const target of node.targets as TemplateNode[]) requireName(target, "an import name");
      break;
    case "Pair": {
      const key = node.key as TemplateNode;
      if (key.typename === "Symbol") requireName(key, "a dict key");
      else if (key.typename !== "Literal" || typeof key.value !== "string") throw unsafe("dict keys must be strings or names", key.lineno + 1);
      break;
    }
  }
  for (const child of node.children ?? []) assertCompilable(child);
  for (const field of node.fields) {
    if (field === "children") continue;
    const value = node[field];
    if (Array.isArray(value)) value.forEach((child) => assertCompilable(child as TemplateNode));
    else if (value && typeof value === "object" && "typename" in value) assertCompilable(value as TemplateNode);
  }
}

/** The entry point compiled templates expose; `runtime` is runtime.ts's guarded runtime. */
export type RootRender = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: (error: unknown, output?: string) => void) => void;

/** Compiles a parsed template to its root render function, after checking its shape. */
export function compileTree(root: TemplateNode, strict: boolean): RootRender {
  assertCompilable(root);
  const compiler = new GuardedCompiler(undefined, strict);
  try {
    compiler.compile(root);
  } catch (error) {
    if (error instanceof RenderFault) throw error;
    const e = error as { message?: string; lineno?: number };
    throw unsafe(`the template cannot be compiled: ${String(e.message ?? error).replace(/^\(unknown path\)(?: \[Line \d+, Column \d+\])?\s*/, "")}`, e.lineno);
  }
  // This is how nunjucks runs templates; assertCompilable checked the tree first.
  // partialModules: the macro modules compilePartialImport makes once per compiled template.
  const module = new Function(`var partialModules = Object.create(null);\n${compiler.getCode()}`)() as { root: RootRender };
  return module.root;
}
