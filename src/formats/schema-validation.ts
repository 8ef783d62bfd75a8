import type { ErrorObject } from "ajv";

/** A validator compiled from a schema in schemas/ at build time (ajv standalone code: no ajv at run time). */
interface SchemaValidator<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

export type SchemaIssue = Pick<ErrorObject, "instancePath" | "keyword" | "message" | "params">;

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

/** A generated validator as a function that returns the value or the issues. */
export function validator<T>(fn: unknown): (data: unknown) => Validation<T> {
  const check = fn as SchemaValidator<T>;
  return (data) => (check(data) ? { ok: true, value: data } : { ok: false, issues: [...(check.errors ?? [])] });
}

/** One line per issue: `/variants/0/tags: must be object`. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues
    .map((i) => {
      const extra = (i.params as { additionalProperty?: string }).additionalProperty;
      return `${i.instancePath || "/"}: ${i.message ?? i.keyword}${extra === undefined ? "" : ` ("${extra}")`}`;
    })
    .join("; ");
}
