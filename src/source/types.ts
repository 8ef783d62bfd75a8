import type { PromptSourceDocument } from "../formats/types.ts";

/** A prompt file as read from the prompts folder. */
export interface SourceFile {
  /** Path relative to the prompts folder, `/` separated: `support/refund.yaml`. */
  path: string;
  text: string;
}

export type SourceFormat = "text" | "markdown" | "yaml";

/** Where a template string starts in its file, to turn template positions into file positions. */
export interface TemplateOrigin {
  /** File line (1-based) of the template's first line. */
  line: number;
  /** Columns to add to positions on every template line (the indentation of a YAML block scalar). */
  indent: number;
  /** Column (1-based) where the template's first line starts, for a one-line scalar. */
  firstColumn: number;
}

export interface ParsedSource {
  file: string;
  format: SourceFormat;
  document: PromptSourceDocument;
  /** File position of the value at a path of the document (for schema errors). */
  positionOf(path: readonly (string | number)[], key?: string): { line: number; column: number };
  /** Where the template at a path starts (content, messages/0/content, variants/1/content…). */
  originOf(path: readonly (string | number)[]): TemplateOrigin;
}
