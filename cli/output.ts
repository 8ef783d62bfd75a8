import { formatDiagnostic } from "../src/diagnostics.ts";
import { CompileError, PromptSyncError } from "../src/errors.ts";
import { redactUrl } from "../src/redact.ts";
import { writeStdout } from "./stdout.ts";
import { terminalSafe } from "./terminal-safe.ts";

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;

/** Left as JSON.stringify writes it, which escapes ESC, BEL and the other C0 controls: readers get the data exactly. */
export function printJson(value: unknown): void {
  writeStdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human-readable output, one or more lines, on stdout; anything a terminal would act on is removed. */
export function print(text: string): void {
  writeStdout(`${terminalSafe(text)}\n`);
}

/** A note beside the result (a new alias was created): on stderr, so stdout stays the result; text mode only. */
export function printNotice(text: string): void {
  process.stderr.write(`${terminalSafe(redactUrl(text))}\n`);
}

function printError(text: string): void {
  process.stderr.write(`${terminalSafe(redactUrl(text))}\n`);
}

/** Left-aligned columns; cells are made terminal-safe first so the widths are the printed ones. */
export function table(rows: readonly (readonly string[])[]): string {
  const safe = rows.map((row) => row.map(terminalSafe));
  const widths: number[] = [];
  for (const row of safe) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return safe.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

/**
 * The one place errors become output and exit codes: user errors get a message and a hint, never a stack; a
 * USAGE error exits 2, every other PromptSyncError 1.
 * Messages may quote registry data and URLs, so credentials are hidden in every form and control characters in
 * text.
 */
export function reportError(error: unknown, json: boolean): number {
  if (error instanceof PromptSyncError) {
    const diagnostics = error instanceof CompileError ? error.diagnostics : undefined;
    if (json) {
      const suggestion = error.suggestion === undefined ? undefined : redactUrl(error.suggestion);
      printJson({ error: { code: error.code, message: redactUrl(error.message), suggestion, diagnostics } });
    } else {
      for (const d of diagnostics ?? []) printError(formatDiagnostic(d));
      printError(`error: ${error.message}${diagnostics ? "; nothing was published" : ""}`);
      if (error.suggestion) printError(`hint: ${error.suggestion}`);
    }
    return error.code === "USAGE" ? EXIT_USAGE : EXIT_USER_ERROR;
  }
  printError(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT_USER_ERROR;
}
