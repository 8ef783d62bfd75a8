import type { VariableInfo } from "../formats/types.ts";
import { IDENTIFIER, testNameOf } from "./compiler.ts";
import { isForbiddenMember } from "./forbidden-members.ts";
import { methodNames, MUTATING_METHODS } from "./methods.ts";
import type { TemplateNode } from "./template-node.ts";

/**
 * Static checks on a parsed template: which variables it reads, and the problems that can be named before it
 * runs, with their line (unknown filters and tests, unsupported tags, JavaScript internals named literally,
 * calls that can never be allowed). Safety does not rest on this: the guarded runtime (guard.ts, runtime.ts)
 * decides every read and call while the template renders, whatever this check misses.
 */

export interface TemplateProblem {
  code: "UNSAFE_TEMPLATE" | "UNSUPPORTED_TAG" | "TEMPLATE_SYNTAX";
  /** 1-based, relative to the template. */
  line: number;
  column: number;
  message: string;
}

interface TemplateAnalysis {
  variables: VariableInfo[];
  problems: TemplateProblem[];
}

/**
 * How deep a template's syntax tree may nest (each tag body, filter, member access, operator or call is a level:
 * 128 nested `{% if %}`, or a chain of 250 filters). The parser builds left-deep chains (`x|f|f|…`, `x.a.a…`,
 * `x ~ x ~ …`) without recursing, but this check, the compiler and composition recurse once or more per level: a
 * 12 KB template of 2,000 filters overflowed the stack, a RangeError no caller classifies. Past this depth the
 * template is a syntax problem, found without recursion before this check walks it (and so before it compiles).
 * Where the SDK materializes a registry object, a stack overflow that remains (composition's walk of a tree
 * thousands of levels deep) is an invalid object too (src/formats/refuse-deep.ts).
 */
export const MAX_TEMPLATE_DEPTH = 256;

/** Functions a template may call by name. */
const CALLABLE_GLOBALS = new Set(["range", "cycler", "joiner", "namespace"]);

/** Members found on every string, list, dict, number or function: calling one that is not a Python method is always refused. */
const PROTOTYPE_MEMBERS = new Set(
  [Object.prototype, String.prototype, Array.prototype, Number.prototype, Function.prototype].flatMap((proto) => Object.getOwnPropertyNames(proto)),
);

/** Names that are never template variables. */
const BUILTIN_NAMES = new Set(["True", "False", "None", "true", "false", "none", "loop", "caller", ...CALLABLE_GLOBALS]);

/** Filters whose first argument may be undefined: its variable is then optional. */
const DEFAULT_FILTERS = new Set(["default", "d"]);

/** Tests (`x is defined`) that accept an undefined subject. */
const UNDEFINED_TESTS = new Set(["defined", "undefined", "none", "null"]);

/** A key spelled with string literals, `"con" ~ "structor"` included, or undefined when it depends on values. */
function constantString(node: TemplateNode): string | undefined {
  switch (node.typename) {
    case "Literal":
      return typeof node.value === "string" ? node.value : undefined;
    case "Group":
      return node.children?.length === 1 ? constantString(node.children[0]!) : undefined;
    case "Concat":
    case "Add": {
      const left = constantString(node.left as TemplateNode);
      const right = constantString(node.right as TemplateNode);
      return left === undefined || right === undefined ? undefined : left + right;
    }
    default:
      return undefined;
  }
}

interface Scope {
  names: Set<string>;
  parent: Scope | undefined;
}

function newScope(parent: Scope | undefined, names: string[] = []): Scope {
  return { names: new Set(names), parent };
}

function inScope(scope: Scope | undefined, name: string): boolean {
  for (let s = scope; s; s = s.parent) if (s.names.has(name)) return true;
  return false;
}

/** The first node nested deeper than MAX_TEMPLATE_DEPTH, found iteratively; undefined when none is. */
function tooDeep(root: TemplateNode): TemplateNode | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], depth });
      continue;
    }
    if (!value || typeof value !== "object" || !("typename" in value)) continue;
    const node = value as TemplateNode;
    if (depth > MAX_TEMPLATE_DEPTH) return node;
    const fields = node.fields ?? [];
    if (node.children && !fields.includes("children")) pending.push({ value: node.children, depth: depth + 1 });
    for (let i = fields.length - 1; i >= 0; i--) pending.push({ value: node[fields[i]!], depth: depth + 1 });
  }
  return undefined;
}

export function analyzeTemplate(root: TemplateNode, allowedFilters: ReadonlySet<string>, allowedTests: ReadonlySet<string>): TemplateAnalysis {
  const deep = tooDeep(root);
  if (deep) {
    const message = `the template is nested too deeply (more than ${MAX_TEMPLATE_DEPTH} levels of tags and expressions)`;
    return { variables: [], problems: [{ code: "TEMPLATE_SYNTAX", line: deep.lineno + 1, column: deep.colno + 1, message }] };
  }
  const required = new Map<string, boolean>();
  const problems: TemplateProblem[] = [];

  const problem = (node: TemplateNode, code: TemplateProblem["code"], message: string): void => {
    problems.push({ code, line: node.lineno + 1, column: node.colno + 1, message });
  };

  let recording = true;
  const recordVariable = (name: string, guarded: boolean) => {
    if (recording) required.set(name, (required.get(name) ?? false) || !guarded);
  };
  const unrecorded = (walkBody: () => void) => {
    const was = recording;
    recording = false;
    walkBody();
    recording = was;
  };

  const forbiddenKey = (node: TemplateNode, key: string) =>
    problem(node, "UNSAFE_TEMPLATE", `"${key}" is not accessible from templates (it would reach JavaScript internals)`);

  /** Top-level variable names an expression reads plainly (for guards such as `{% if x %}`). */
  const guardedNames = (cond: TemplateNode | undefined | null): string[] => {
    if (!cond) return [];
    switch (cond.typename) {
      case "Symbol":
        return [String(cond.value)];
      case "LookupVal":
        return guardedNames(cond.target as TemplateNode);
      case "Is":
        return guardedNames(cond.left as TemplateNode);
      case "Not":
        return guardedNames(cond.target as TemplateNode);
      case "And":
      case "Or":
        return [...guardedNames(cond.left as TemplateNode), ...guardedNames(cond.right as TemplateNode)];
      case "Compare":
        return [
          ...guardedNames(cond.expr as TemplateNode),
          ...(cond.ops as TemplateNode[]).flatMap((op) => guardedNames(op.expr as TemplateNode)),
        ];
      default:
        return [];
    }
  };

  const walkList = (nodes: unknown, scope: Scope, guards: ReadonlySet<string>) => {
    const list = (nodes as TemplateNode | undefined)?.children ?? (Array.isArray(nodes) ? (nodes as TemplateNode[]) : []);
    for (const child of list) walk(child, scope, guards);
  };

  /** Binds a `set`, `for` or macro parameter name; anything but a plain name is refused, as the compiler does. */
  const declare = (target: TemplateNode | undefined, scope: Scope, what: string) => {
    if (!target) return;
    if (target.typename === "Array") {
      for (const child of target.children ?? []) declare(child, scope, what);
    } else if (target.typename === "Symbol" && IDENTIFIER.test(String(target.value))) {
      scope.names.add(String(target.value));
    } else {
      problem(target, "UNSAFE_TEMPLATE", `${what} must be a plain name (letters, digits and _)`);
    }
  };

  /**
   * A call the runtime would refuse whatever the values: a free variable (the app's variables are data), or a
   * JavaScript method that is not one of the Python methods templates have.
   */
  const walkCallee = (callee: TemplateNode, scope: Scope, guards: ReadonlySet<string>) => {
    if (callee.typename === "Symbol") {
      const name = String(callee.value);
      if (isForbiddenMember(name)) return forbiddenKey(callee, name);
      // `super()` in a block: compose.ts checks where it is and replaces it with the parent's block.
      if (inScope(scope, name) || CALLABLE_GLOBALS.has(name) || name === "super") return;
      return problem(callee, "UNSAFE_TEMPLATE", `"${name}" is not a function a template may call: the app's variables are data; macros, caller, range, cycler and joiner can be called`);
    }
    if (callee.typename === "LookupVal") {
      const key = callee.val as TemplateNode;
      const method = key.typename === "Literal" && typeof key.value === "string" ? key.value : undefined;
      if (method !== undefined && isForbiddenMember(method)) {
        forbiddenKey(key, method);
        return walk(callee.target as TemplateNode, scope, guards);
      }
      if (method !== undefined && MUTATING_METHODS.has(method)) {
        problem(key, "UNSAFE_TEMPLATE", `${method}() would change a list or dict: template values cannot be modified`);
      } else if (method !== undefined && PROTOTYPE_MEMBERS.has(method) && !methodNames.has(method)) {
        problem(key, "UNSAFE_TEMPLATE", `"${method}" is a JavaScript method, which templates cannot call; the Python methods of strings, lists and dicts can be`);
      }
    }
    walk(callee, scope, guards);
  };

  const walk = (node: TemplateNode | TemplateNode[] | null | undefined, scope: Scope, guards: ReadonlySet<string>): void => {
    if (!node || typeof node !== "object") return;
    // Some fields hold plain arrays of nodes (Compare's ops, Set's targets).
    if (Array.isArray(node)) {
      for (const child of node) walk(child, scope, guards);
      return;
    }
    switch (node.typename) {
      case "Symbol": {
        const name = String(node.value);
        if (isForbiddenMember(name)) return forbiddenKey(node, name);
        if (!IDENTIFIER.test(name)) return problem(node, "UNSAFE_TEMPLATE", `"${name}" is not a plain name (letters, digits and _)`);
        if (!BUILTIN_NAMES.has(name) && !inScope(scope, name)) recordVariable(name, guards.has(name));
        return;
      }
      case "LookupVal": {
        const key = node.val as TemplateNode;
        const name = constantString(key);
        if (name !== undefined && isForbiddenMember(name)) return forbiddenKey(key, name);
        if (key.typename !== "Literal") {
          walk(key, scope, guards);
        }
        return walk(node.target as TemplateNode, scope, guards);
      }
      case "FunCall":
        walkCallee(node.name as TemplateNode, scope, guards);
        return walkList(node.args, scope, guards);
      case "Filter":
      case "FilterAsync": {
        const name = String((node.name as TemplateNode).value);
        if (!allowedFilters.has(name)) {
          problem(node, "UNSAFE_TEMPLATE", `unknown filter "${name}"`);
        }
        const [subject, ...rest] = (node.args as TemplateNode).children ?? [];
        const subjectGuards = DEFAULT_FILTERS.has(name) ? new Set([...guards, ...guardedNames(subject)]) : guards;
        walk(subject, scope, subjectGuards);
        for (const arg of rest) walk(arg, scope, guards);
        return;
      }
      case "Is": {
        const test = node.right as TemplateNode;
        const testName = testNameOf(node) ?? String(test.typename === "FunCall" ? (test.name as TemplateNode).value : test.value);
        if (!allowedTests.has(testName)) problem(test, "UNSAFE_TEMPLATE", `unknown test "${testName}"`);
        const subjectGuards = UNDEFINED_TESTS.has(testName) ? new Set([...guards, ...guardedNames(node.left as TemplateNode)]) : guards;
        walk(node.left as TemplateNode, scope, subjectGuards);
        if (test.typename === "FunCall") walkList(test.args, scope, guards);
        return;
      }
      case "If":
      case "IfAsync":
      case "InlineIf": {
        const condGuards = new Set([...guards, ...guardedNames(node.cond as TemplateNode)]);
        walk(node.cond as TemplateNode, scope, condGuards);
        walk(node.body as TemplateNode, scope, condGuards);
        return walk(node.else_ as TemplateNode, scope, guards);
      }
      case "For": {
        walk(node.arr as TemplateNode, scope, guards);
        const body = newScope(scope, ["loop"]);
        declare(node.name as TemplateNode, body, "a loop variable");
        walk(node.body as TemplateNode, body, guards);
        return walk(node.else_ as TemplateNode, scope, guards);
      }
      case "Set": {
        walk(node.value as TemplateNode, scope, guards);
        walk(node.body as TemplateNode, scope, guards);
        const targets = node.targets as TemplateNode[];
        // `{% set ns.name = … %}` reads `ns` (a namespace) and declares nothing.
        if (targets.length === 1 && targets[0]!.typename === "LookupVal") return walk(targets[0], scope, guards);
        for (const target of targets) declare(target, scope, "a set target");
        return;
      }
      case "Macro":
      case "Caller": {
        if (node.typename === "Macro") declare(node.name as TemplateNode, scope, "a macro name");
        const body = newScope(scope, ["caller"]);
        for (const arg of (node.args as TemplateNode).children ?? []) {
          if (arg.typename === "KeywordArgs") {
            for (const pair of arg.children ?? []) {
              walk(pair.value as TemplateNode, scope, guards);
              declare(pair.key as TemplateNode, body, "a macro parameter");
            }
          } else declare(arg, body, "a macro parameter");
        }
        return walk(node.body as TemplateNode, body, guards);
      }
      case "Pair": {
        // `{name: 1}` uses the symbol as a literal key, as Jinja does.
        const key = node.key as TemplateNode;
        if (key.typename !== "Symbol") walk(key, scope, guards);
        return walk(node.value as TemplateNode, scope, guards);
      }
      case "Literal":
        if (node.value instanceof RegExp) problem(node, "UNSAFE_TEMPLATE", "regular expression literals are not supported in prompt templates");
        return;
      // A template on its own, as written: which partials it names is compose.ts's to check.
      case "Extends":
      case "Include":
        return;
      case "Import":
        return declare(node.target as TemplateNode, scope, "an import name");
      case "FromImport":
        for (const name of (node.names as TemplateNode).children ?? []) declare(name.typename === "Pair" ? (name.value as TemplateNode) : name, scope, "an import name");
        return;
      case "Block":
        return walk(node.body as TemplateNode, newScope(scope), guards);
      // Composed with its partials: an include or a block reads the variables around it; a partial included or
      // imported without context reads none of the prompt's, so what it reads is not a variable of the prompt.
      case "PartialScope":
        return node.isolated === true ? unrecorded(() => walk(node.body as TemplateNode, newScope(undefined), new Set())) : walk(node.body as TemplateNode, newScope(scope), guards);
      case "PartialImport":
        if (node.withContext === true) walk(node.body as TemplateNode, newScope(scope), guards);
        else unrecorded(() => walk(node.body as TemplateNode, newScope(undefined), new Set()));
        for (const target of node.targets as TemplateNode[]) declare(target, scope, "an import name");
        return;
      case "AsyncEach":
      case "AsyncAll":
        return problem(node, "UNSUPPORTED_TAG", `{% ${node.typename === "AsyncEach" ? "asyncEach" : "asyncAll"} %} is not supported: use {% for %}`);
      case "CallExtension":
      case "CallExtensionAsync":
        return problem(node, "UNSAFE_TEMPLATE", "template extensions are not allowed");
      default:
        if (node.children) walkList(node.children, scope, guards);
        for (const field of node.fields) {
          const value = node[field];
          if (field !== "children" && value && typeof value === "object" && (Array.isArray(value) || "typename" in value)) walk(value as TemplateNode, scope, guards);
        }
    }
  };

  walk(root, newScope(undefined), new Set());
  const variables = [...required.entries()]
    .map(([name, req]) => ({ name, required: req }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { variables, problems };
}
