import { didYouMean } from "../formats/nearest-name.ts";
import { BudgetExhausted, CheckBudget } from "./check-budget.ts";
import { jsonKey, MAX_VALUE_DEPTH, ValueTooDeep } from "./json-key.ts";
import { compilePattern, type CompiledPattern } from "./pattern.ts";
import { PatternSyntaxError } from "./pattern-syntax.ts";
import { emptyNode, type SchemaNode, type SchemaPath, type SchemaType } from "./schema-node.ts";

/**
 * Compiles a JSON Schema (2020-12, with draft-07's `definitions`) of the supported subset into SchemaNodes, or
 * lists every problem: a keyword outside the subset, a value of the wrong shape, a pattern the linear-time
 * matcher refuses, a `$ref` that is not local or loops. Schemas come from the registry, so everything is bounded:
 * the number of subschemas, their nesting, the patterns, the problems listed. Nothing is evaluated as code.
 */
export const MAX_SCHEMA_NODES = 10_000;
export const MAX_SCHEMA_DEPTH = 128;
/** All the schema's patterns together, in matcher instructions: what the compiled schema holds in memory. */
export const MAX_PATTERN_INSTRUCTIONS = 50_000;
const MAX_PROBLEMS = 50;

export interface SchemaProblem {
  /** The keyword's path inside the schema. */
  path: SchemaPath;
  message: string;
}

export type SchemaCompileResult = { ok: true; root: SchemaNode } | { ok: false; problems: SchemaProblem[] };

const TYPES: readonly SchemaType[] = ["null", "boolean", "object", "array", "number", "integer", "string"];
/** Keywords that describe and never constrain (`format` is an annotation by default in 2020-12). */
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "format", "contentMediaType", "contentEncoding"]);
const ROOT_ONLY = new Set(["$schema", "$id"]);
const COUNTS = new Set(["minProperties", "maxProperties", "minItems", "maxItems", "minContains", "maxContains", "minLength", "maxLength"]);
const BOUNDS = new Set(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SUBSCHEMAS = new Set(["additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else"]);
const KEYWORDS = [
  ...ANNOTATIONS, ...ROOT_ONLY, ...COUNTS, ...BOUNDS, ...SCHEMA_LISTS, ...SUBSCHEMAS,
  "type", "enum", "const", "properties", "patternProperties", "required", "dependentRequired", "uniqueItems",
  "pattern", "multipleOf", "$ref", "$defs", "definitions",
];

export function compileSchema(schema: unknown): SchemaCompileResult {
  const compiler = new SchemaCompiler(schema);
  const root = compiler.schemaAt(schema, []);
  compiler.resolveReferences();
  compiler.refuseLoops();
  return compiler.problems.length > 0 ? { ok: false, problems: compiler.problems } : { ok: true, root };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class SchemaCompiler {
  readonly problems: SchemaProblem[] = [];
  /** Every node by its path, so a `$ref` target and the schema at that place are one node. */
  private readonly nodes = new Map<string, SchemaNode>();
  private readonly references: { node: SchemaNode; ref: string; at: SchemaPath }[] = [];
  private readonly budget = new CheckBudget();
  private patternInstructions = 0;
  private readonly root: unknown;

  constructor(root: unknown) {
    this.root = root;
  }

  private problem(path: SchemaPath, message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ path, message });
  }

  schemaAt(value: unknown, path: SchemaPath): SchemaNode {
    const id = JSON.stringify(path);
    const known = this.nodes.get(id);
    if (known) return known;
    const node = emptyNode(path);
    this.nodes.set(id, node);
    if (this.nodes.size > MAX_SCHEMA_NODES) {
      if (this.nodes.size === MAX_SCHEMA_NODES + 1) this.problem(path, `the schema has more than ${MAX_SCHEMA_NODES} subschemas`);
      return node;
    }
    if (path.length > MAX_SCHEMA_DEPTH) {
      this.problem(path, `the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`);
      return node;
    }
    if (typeof value === "boolean") {
      node.always = value;
      return node;
    }
    if (!isMapping(value)) {
      this.problem(path, "a schema must be a mapping, true or false");
      return node;
    }
    for (const keyword of Object.keys(value)) this.keyword(node, keyword, value[keyword], [...path, keyword]);
    return node;
  }

  private keyword(node: SchemaNode, keyword: string, value: unknown, at: SchemaPath): void {
    if (ANNOTATIONS.has(keyword)) return;
    if (COUNTS.has(keyword)) {
      if (Number.isSafeInteger(value) && (value as number) >= 0) (node as unknown as Record<string, number>)[keyword] = value as number;
      else this.problem(at, `${keyword} must be a whole number, 0 or more`);
      return;
    }
    if (BOUNDS.has(keyword)) {
      if (typeof value === "number" && Number.isFinite(value)) (node as unknown as Record<string, number>)[keyword] = value;
      else this.problem(at, `${keyword} must be a number${typeof value === "boolean" ? " (draft-04's true/false form is not supported)" : ""}`);
      return;
    }
    if (SCHEMA_LISTS.has(keyword)) {
      if (!Array.isArray(value) || value.length === 0) this.problem(at, `${keyword} must be a non-empty list of schemas`);
      else (node as unknown as Record<string, SchemaNode[]>)[keyword] = value.map((item, i) => this.schemaAt(item, [...at, i]));
      return;
    }
    if (SUBSCHEMAS.has(keyword)) {
      if (keyword === "items" && Array.isArray(value)) this.problem(at, "items must be one schema: for a list of schemas (draft-07's tuple form), write prefixItems");
      else (node as unknown as Record<string, SchemaNode>)[keyword] = this.schemaAt(value, at);
      return;
    }
    switch (keyword) {
      case "type":
        return this.types(node, value, at);
      case "enum":
        if (!Array.isArray(value)) return this.problem(at, "enum must be a list");
        node.enumValues = value;
        node.enumKeys = new Set(value.map((item) => this.constantKey(item, at)));
        return;
      case "const":
        node.constValue = value;
        node.constKey = this.constantKey(value, at);
        return;
      case "properties":
      case "$defs":
      case "definitions":
        return this.schemaMapping(node, keyword, value, at);
      case "patternProperties":
        if (!isMapping(value)) return this.problem(at, "patternProperties must be a mapping of patterns to schemas");
        node.patternProperties = Object.keys(value).flatMap((source) => {
          const pattern = this.pattern(source, [...at, source]);
          return pattern ? [{ pattern, schema: this.schemaAt(value[source], [...at, source]) }] : [];
        });
        return;
      case "required":
        node.required = this.names(value, at, "required");
        return;
      case "dependentRequired":
        if (!isMapping(value)) return this.problem(at, "dependentRequired must be a mapping of property names to lists of names");
        node.dependentRequired = new Map(Object.keys(value).map((name) => [name, this.names(value[name], [...at, name], "dependentRequired")]));
        return;
      case "uniqueItems":
        if (typeof value === "boolean") node.uniqueItems = value;
        else this.problem(at, "uniqueItems must be true or false");
        return;
      case "pattern":
        if (typeof value !== "string") return this.problem(at, "pattern must be a string");
        node.pattern = this.pattern(value, at);
        return;
      case "multipleOf":
        if (typeof value === "number" && Number.isFinite(value) && value > 0) node.multipleOf = value;
        else this.problem(at, "multipleOf must be a number above 0");
        return;
      case "$ref":
        if (typeof value !== "string") return this.problem(at, "$ref must be a string");
        this.references.push({ node, ref: value, at });
        return;
    }
    if (ROOT_ONLY.has(keyword)) {
      if (at.length !== 1) this.problem(at, `${keyword} is only supported at the root of inputs`);
      else if (typeof value !== "string") this.problem(at, `${keyword} must be a string`);
      return;
    }
    const hint = keyword.length <= 64 ? didYouMean(keyword, KEYWORDS) : undefined;
    this.problem(at, `unsupported keyword ${JSON.stringify(keyword.slice(0, 64))}${hint ? ` (${hint})` : ""}: inputs takes the subset of JSON Schema listed in docs/prompt-format.md#inputs`);
  }

  private types(node: SchemaNode, value: unknown, at: SchemaPath): void {
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === "string" && (TYPES as readonly string[]).includes(t))) {
      return this.problem(at, `type must be one of ${TYPES.join(", ")}, or a list of them`);
    }
    node.types = list as SchemaType[];
  }

  private schemaMapping(node: SchemaNode, keyword: "properties" | "$defs" | "definitions", value: unknown, at: SchemaPath): void {
    if (!isMapping(value)) return this.problem(at, `${keyword} must be a mapping of names to schemas`);
    const schemas = new Map(Object.keys(value).map((name) => [name, this.schemaAt(value[name], [...at, name])]));
    if (keyword === "properties") node.properties = schemas;
  }

  private names(value: unknown, at: SchemaPath, keyword: string): string[] {
    if (!Array.isArray(value) || !value.every((name) => typeof name === "string") || new Set(value).size !== value.length) {
      this.problem(at, `${keyword} must be a list of distinct property names`);
      return [];
    }
    return value as string[];
  }

  private constantKey(value: unknown, at: SchemaPath): string {
    try {
      return jsonKey(value, this.budget);
    } catch (error) {
      if (error instanceof ValueTooDeep) this.problem(at, `a value nested deeper than ${MAX_VALUE_DEPTH} levels`);
      else if (error instanceof BudgetExhausted) this.problem(at, "the schema's enum and const values are too large");
      else throw error;
      return "";
    }
  }

  private pattern(source: string, at: SchemaPath): CompiledPattern | undefined {
    if (this.patternInstructions > MAX_PATTERN_INSTRUCTIONS) return undefined;
    try {
      const pattern = compilePattern(source);
      this.patternInstructions += pattern.program.size;
      if (this.patternInstructions > MAX_PATTERN_INSTRUCTIONS) {
        this.problem(at, `the schema's patterns compile to more than ${MAX_PATTERN_INSTRUCTIONS} instructions together`);
      }
      return pattern;
    } catch (error) {
      if (!(error instanceof PatternSyntaxError)) throw error;
      this.problem(at, `pattern ${JSON.stringify(source.slice(0, 100))}: ${error.message}`);
      return undefined;
    }
  }

  /** Links each `$ref` to its target, compiling targets not reached otherwise; a worklist, so no deep recursion. */
  resolveReferences(): void {
    for (let i = 0; i < this.references.length; i++) {
      const { node, ref, at } = this.references[i]!;
      const target = this.target(ref);
      if (typeof target === "string") this.problem(at, `$ref ${JSON.stringify(ref.slice(0, 200))}: ${target}`);
      else node.ref = this.schemaAt(target.value, target.path);
    }
  }

  /** The schema a local reference points to, or why there is none. */
  private target(ref: string): { value: unknown; path: SchemaPath } | string {
    if (ref === "#") return { value: this.root, path: [] };
    if (!ref.startsWith("#/")) return 'only local references are supported: "#", "#/$defs/name" or "#/definitions/name"';
    let segments: string[];
    try {
      segments = ref.slice(2).split("/").map((s) => decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~"));
    } catch {
      return "not a valid JSON pointer";
    }
    if (segments[0] !== "$defs" && segments[0] !== "definitions") return 'must point into "$defs" or "definitions"';
    let value: unknown = this.root;
    const path: (string | number)[] = [];
    for (const segment of segments) {
      if (Array.isArray(value) && /^(0|[1-9][0-9]*)$/.test(segment) && Number(segment) < value.length) {
        value = value[Number(segment)];
        path.push(Number(segment));
      } else if (isMapping(value) && Object.hasOwn(value, segment)) {
        value = value[segment];
        path.push(segment);
      } else {
        return "points to nothing in the schema";
      }
    }
    return { value, path };
  }

  /**
   * Refuses a cycle of `$ref` and in-place applicators (allOf, anyOf, oneOf, not, if/then/else): checking it would
   * never reach a property or an item, so it would never end.
   */
  refuseLoops(): void {
    const inPlace = (node: SchemaNode): SchemaNode[] => [
      ...(node.ref ? [node.ref] : []),
      ...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? []),
      ...[node.not, node.if, node.then, node.else].filter((n): n is SchemaNode => n !== undefined),
    ];
    const state = new Map<SchemaNode, "open" | "done">();
    for (const start of this.nodes.values()) {
      if (state.has(start)) continue;
      const stack: { node: SchemaNode; next: SchemaNode[] }[] = [{ node: start, next: inPlace(start) }];
      state.set(start, "open");
      while (stack.length > 0) {
        const top = stack.at(-1)!;
        const child = top.next.pop();
        if (!child) {
          state.set(top.node, "done");
          stack.pop();
          continue;
        }
        if (state.get(child) === "open") {
          // The schemas form a tree but for $ref: the loop has a $ref edge, reported where it is written.
          const loop = [...stack.slice(stack.findIndex((e) => e.node === child)).map((e) => e.node), child];
          const from = loop.find((n, i) => n.ref !== undefined && n.ref === loop[i + 1]) ?? top.node;
          this.problem([...from.path, "$ref"], "$ref loops back to a schema that contains it without reaching a property or an item: checking a value would never end");
          continue;
        }
        if (!state.has(child)) {
          state.set(child, "open");
          stack.push({ node: child, next: inPlace(child) });
        }
      }
    }
  }
}
