import type { VariableInfo } from "../formats/types.ts";
import type { TemplateNode } from "./nunjucks.ts";

/**
 * Static checks on a parsed template: which variables it reads, and whether it stays inside what a prompt
 * template may do. nunjucks compiles templates to JavaScript and is not a sandbox
 * (`"".constructor.constructor("return process")()` runs code), so every template, at compile time and again
 * when the SDK loads one from a registry, must pass `analyzeTemplate` before nunjucks compiles it.
 */

export interface TemplateProblem {
  code: "UNSAFE_TEMPLATE" | "UNSUPPORTED_TAG";
  /** 1-based, relative to the template. */
  line: number;
  column: number;
  message: string;
}

export interface TemplateAnalysis {
  variables: VariableInfo[];
  problems: TemplateProblem[];
}

const FORBIDDEN_NAMES = new Set(["constructor", "__proto__", "prototype", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"]);

/** Functions a template may call: nunjucks' globals. */
const CALLABLE_GLOBALS = new Set(["range", "cycler", "joiner"]);

/** Methods a template may call on values: Jinja's dict/list methods (via nunjucks' Jinja compatibility), and the cyclers'. */
const CALLABLE_METHODS = new Set([
  "items", "keys", "values", "get", "has_key", "count", "index", "find",
  "next", "reset", "current",
]);

/** Names that are never template variables. */
const BUILTIN_NAMES = new Set(["True", "False", "None", "true", "false", "none", "loop", "caller", ...CALLABLE_GLOBALS]);

/** Filters whose first argument may be undefined: its variable is then optional. */
const DEFAULT_FILTERS = new Set(["default", "d"]);

/** Tests (`x is defined`) that accept an undefined subject. */
const UNDEFINED_TESTS = new Set(["defined", "undefined", "none", "null"]);

/** Globals whose result is itself callable: `{% set sep = joiner() %}{{ sep() }}`. */
const CALLABLE_FACTORIES = new Set(["joiner"]);

interface Scope {
  names: Set<string>;
  /**
   * Names bound to something the template itself made callable: macros, `caller`, and `joiner()` results.
   * Any other name (a `set` or `for` target, a macro parameter) may hold a value reached through a computed
   * lookup such as `""[k][k]`, so calling it is refused.
   */
  callables: Set<string>;
  parent: Scope | undefined;
}

function newScope(parent: Scope | undefined, names: string[] = [], callables: string[] = []): Scope {
  return { names: new Set(names), callables: new Set(callables), parent };
}

/** The innermost binding of `name` decides: a parameter named like an outer macro shadows it. */
function binding(scope: Scope | undefined, name: string): "callable" | "value" | undefined {
  for (let s = scope; s; s = s.parent) {
    if (s.callables.has(name)) return "callable";
    if (s.names.has(name)) return "value";
  }
  return undefined;
}

function inScope(scope: Scope | undefined, name: string): boolean {
  return binding(scope, name) !== undefined;
}

function isFactoryCall(value: TemplateNode | undefined): boolean {
  const callee = value?.typename === "FunCall" ? (value.name as TemplateNode) : undefined;
  return callee?.typename === "Symbol" && CALLABLE_FACTORIES.has(String(callee.value));
}

export function analyzeTemplate(root: TemplateNode, allowedFilters: ReadonlySet<string>): TemplateAnalysis {
  const required = new Map<string, boolean>();
  const problems: TemplateProblem[] = [];

  const problem = (node: TemplateNode, code: TemplateProblem["code"], message: string): void => {
    problems.push({ code, line: node.lineno + 1, column: node.colno + 1, message });
  };

  const recordVariable = (name: string, guarded: boolean) => {
    required.set(name, (required.get(name) ?? false) || !guarded);
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

  const declare = (target: TemplateNode | undefined, scope: Scope, callable = false) => {
    if (!target) return;
    if (target.typename === "Symbol") {
      const name = String(target.value);
      scope.names.add(name);
      if (callable) scope.callables.add(name);
      else scope.callables.delete(name);
    } else for (const child of target.children ?? []) declare(child, scope);
  };

  const walkCallee = (callee: TemplateNode, scope: Scope, guards: ReadonlySet<string>) => {
    if (callee.typename === "Symbol") {
      const name = String(callee.value);
      if (FORBIDDEN_NAMES.has(name)) return forbiddenKey(callee, name);
      const bound = binding(scope, name);
      if (bound === "callable" || (bound === undefined && CALLABLE_GLOBALS.has(name))) return;
      return problem(callee, "UNSAFE_TEMPLATE", `"${name}" is not a function a template may call: only filters, macros and the globals range, cycler and joiner can be called`);
    }
    if (callee.typename === "LookupVal") {
      const key = callee.val as TemplateNode;
      const method = key.typename === "Literal" ? String(key.value) : undefined;
      if (method !== undefined && FORBIDDEN_NAMES.has(method)) return forbiddenKey(key, method);
      if (method === undefined || !CALLABLE_METHODS.has(method)) {
        problem(callee, "UNSAFE_TEMPLATE", `calling "${method ?? "a computed member"}" is not allowed in templates`);
      }
      return walk(callee.target as TemplateNode, scope, guards);
    }
    problem(callee, "UNSAFE_TEMPLATE", "only filters, macros and the globals range, cycler and joiner can be called");
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
        if (FORBIDDEN_NAMES.has(name)) return forbiddenKey(node, name);
        if (!BUILTIN_NAMES.has(name) && !inScope(scope, name)) recordVariable(name, guards.has(name));
        return;
      }
      case "LookupVal": {
        const key = node.val as TemplateNode;
        if (key.typename === "Literal") {
          if (FORBIDDEN_NAMES.has(String(key.value))) return forbiddenKey(key, String(key.value));
        } else {
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
        const testName = test.typename === "FunCall" ? String((test.name as TemplateNode).value) : String(test.value);
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
      case "For":
      case "AsyncEach":
      case "AsyncAll": {
        walk(node.arr as TemplateNode, scope, guards);
        const body = newScope(scope, ["loop"]);
        declare(node.name as TemplateNode, body);
        walk(node.body as TemplateNode, body, guards);
        return walk(node.else_ as TemplateNode, scope, guards);
      }
      case "Set": {
        walk(node.value as TemplateNode, scope, guards);
        walk(node.body as TemplateNode, scope, guards);
        const callable = isFactoryCall(node.value as TemplateNode);
        for (const target of node.targets as TemplateNode[]) declare(target, scope, callable);
        return;
      }
      case "Macro":
      case "Caller": {
        declare(node.name as TemplateNode, scope, true);
        const body = newScope(scope, ["caller"], ["caller"]);
        for (const arg of (node.args as TemplateNode).children ?? []) {
          if (arg.typename === "KeywordArgs") {
            for (const pair of arg.children ?? []) {
              walk(pair.value as TemplateNode, scope, guards);
              declare(pair.key as TemplateNode, body);
            }
          } else declare(arg, body);
        }
        return walk(node.body as TemplateNode, body, guards);
      }
      case "Pair": {
        // `{name: 1}` uses the symbol as a literal key, as Jinja does.
        const key = node.key as TemplateNode;
        if (key.typename !== "Symbol") walk(key, scope, guards);
        return walk(node.value as TemplateNode, scope, guards);
      }
      case "Extends":
      case "Include":
      case "Import":
      case "FromImport":
      case "Block":
      case "Super":
        return problem(node, "UNSUPPORTED_TAG", `{% ${node.typename.toLowerCase()} %} is not supported: a prompt is one self-contained template`);
      case "CallExtension":
      case "CallExtensionAsync":
        return problem(node, "UNSAFE_TEMPLATE", "template extensions are not allowed");
      default:
        if (node.children) walkList(node.children, scope, guards);
        for (const field of node.fields) {
          if (field !== "children") walk(node[field] as TemplateNode, scope, guards);
        }
    }
  };

  walk(root, newScope(undefined), new Set());
  const variables = [...required.entries()]
    .map(([name, req]) => ({ name, required: req }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { variables, problems };
}
