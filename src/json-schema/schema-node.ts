import type { CompiledPattern } from "./pattern.ts";

export type SchemaType = "null" | "boolean" | "object" | "array" | "number" | "integer" | "string";

export type SchemaPath = readonly (string | number)[];

/**
 * One schema of the supported subset, compiled: plain data that validate-value.ts interprets. `$ref` is an
 * edge to another node, so recursive schemas are graphs; compile-schema.ts refuses a loop of `$ref` and
 * in-place applicators that never reaches a property or an item.
 */
export interface SchemaNode {
  /** Where the schema is in `inputs`, for compile errors. */
  readonly path: SchemaPath;
  /** A boolean schema: true accepts everything, false nothing. */
  always?: boolean;
  types?: readonly SchemaType[];
  /** jsonKey of each enum value, and the values to name in messages. */
  enumKeys?: ReadonlySet<string>;
  enumValues?: readonly unknown[];
  constKey?: string;
  constValue?: unknown;

  properties?: ReadonlyMap<string, SchemaNode>;
  patternProperties?: readonly { pattern: CompiledPattern; schema: SchemaNode }[];
  additionalProperties?: SchemaNode;
  propertyNames?: SchemaNode;
  required?: readonly string[];
  dependentRequired?: ReadonlyMap<string, readonly string[]>;
  minProperties?: number;
  maxProperties?: number;

  prefixItems?: readonly SchemaNode[];
  items?: SchemaNode;
  contains?: SchemaNode;
  minContains?: number;
  maxContains?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;

  minLength?: number;
  maxLength?: number;
  pattern?: CompiledPattern;

  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;

  allOf?: readonly SchemaNode[];
  anyOf?: readonly SchemaNode[];
  oneOf?: readonly SchemaNode[];
  not?: SchemaNode;
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  ref?: SchemaNode;
}

/**
 * A node with every field present, in one order: all nodes share one shape, so the checker's reads of them stay
 * fast (objects built with different keyword sets would each get a shape of their own).
 */
export function emptyNode(path: SchemaPath): SchemaNode {
  return {
    path,
    always: undefined,
    types: undefined,
    enumKeys: undefined,
    enumValues: undefined,
    constKey: undefined,
    constValue: undefined,
    properties: undefined,
    patternProperties: undefined,
    additionalProperties: undefined,
    propertyNames: undefined,
    required: undefined,
    dependentRequired: undefined,
    minProperties: undefined,
    maxProperties: undefined,
    prefixItems: undefined,
    items: undefined,
    contains: undefined,
    minContains: undefined,
    maxContains: undefined,
    minItems: undefined,
    maxItems: undefined,
    uniqueItems: undefined,
    minLength: undefined,
    maxLength: undefined,
    pattern: undefined,
    minimum: undefined,
    maximum: undefined,
    exclusiveMinimum: undefined,
    exclusiveMaximum: undefined,
    multipleOf: undefined,
    allOf: undefined,
    anyOf: undefined,
    oneOf: undefined,
    not: undefined,
    if: undefined,
    then: undefined,
    else: undefined,
    ref: undefined,
  };
}
