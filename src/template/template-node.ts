/**
 * A node of nunjucks' template AST, which nunjucks' type definitions leave out. Apart from src/template/nunjucks.ts,
 * so that the SDK's declarations, which reach it through the partial lookup, never import nunjucks' types (an app
 * does not install @types/nunjucks).
 */
export interface TemplateNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: readonly string[];
  value?: unknown;
  children?: TemplateNode[];
  [field: string]: unknown;
}
