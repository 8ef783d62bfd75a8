import { Namespace } from "./namespace.ts";

/**
 * Python's truthiness for `if`, inline `if`, `not`, `and` and `or`: empty lists and dicts are false, and
 * `a or b` / `a and b` return an operand, as in Jinja. nunjucks compiles these to JavaScript operators, where `[]`
 * is true, so `{% if examples %}` would render its block for an empty list. Installed on PromptSync's own
 * compiler class only; the compiled code calls `runtime.truthy`.
 */

type CompileMethod = (this: CompilerThis, node: NodeLike, frame: unknown, ...rest: unknown[]) => void;

interface CompilerThis {
  _emit(code: string): void;
  compile(node: unknown, frame: unknown): void;
}

interface NodeLike {
  cond?: unknown;
  target?: unknown;
  left?: unknown;
  right?: unknown;
  lineno: number;
  colno: number;
}

type TruthyNode = new (lineno: number, colno: number, target: unknown) => NodeLike;

export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof String) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  // A namespace is an object, not a dict: always true in Python, even with no attributes.
  if (Namespace.is(value)) return true;
  if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

export function installPythonTruthiness(proto: Record<string, CompileMethod>, Truthy: TruthyNode): void {
  const assertType = proto.assertType!;
  proto.assertType = function (node, frame, ...rest) {
    if (node instanceof Truthy) return;
    assertType.call(this, node, frame, ...rest);
  };
  proto.compilePyTruthy = function (node, frame) {
    this._emit("runtime.truthy(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  for (const name of ["compileIf", "compileInlineIf"]) {
    const original = proto[name]!;
    proto[name] = function (node, frame, ...rest) {
      if (!(node.cond instanceof Truthy)) node.cond = new Truthy(node.lineno, node.colno, node.cond);
      original.call(this, node, frame, ...rest);
    };
  }
  proto.compileNot = function (node, frame) {
    this._emit("!runtime.truthy(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  // The right operand stays lazy, as in Python: `a or b` evaluates b only when a is false.
  const shortCircuit = (whenTruthy: "left" | "right") =>
    function (this: CompilerThis, node: NodeLike, frame: unknown) {
      this._emit("(function(l, r){ return runtime.truthy(l) ? ");
      this._emit(whenTruthy === "left" ? "l : r(); })(" : "r() : l; })(");
      this.compile(node.left, frame);
      this._emit(", function(){ return ");
      this.compile(node.right, frame);
      this._emit("; })");
    };
  proto.compileOr = shortCircuit("left");
  proto.compileAnd = shortCircuit("right");
}
