import { formatDiagnostic } from "../src/diagnostics.ts";
import { CompileError, PromptSyncError, UsageError } from "../src/errors.ts";

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** The one place errors become output and exit codes: user errors get a message and a hint, never a stack. */
export function reportError(error: unknown, json: boolean): number {
  if (error instanceof PromptSyncError) {
    const diagnostics = error instanceof CompileError ? error.diagnostics : undefined;
    if (json) {
      printJson({ error: { code: error.code, message: error.message, suggestion: error.suggestion, diagnostics } });
    } else {
      for (const d of diagnostics ?? []) console.error(formatDiagnostic(d));
      console.error(`error: ${error.message}${diagnostics ? "; nothing was published" : ""}`);
      if (error.suggestion) console.error(`hint: ${error.suggestion}`);
    }
    return error instanceof UsageError ? EXIT_USAGE : EXIT_USER_ERROR;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT_USER_ERROR;
}
