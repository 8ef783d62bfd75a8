import { it } from "vitest";

/**
 * For tests that need something outside the repo (the prompt corpus, python3 with jinja2, a server):
 * under CI=true its absence fails the run; elsewhere the tests are skipped and the reason is printed.
 */
export function requireComponent(name: string, available: boolean, reason: string): boolean {
  if (available) return true;
  if (process.env.CI === "true") {
    it(`${name} is available (required under CI=true)`, () => {
      throw new Error(`${name} is missing: ${reason}`);
    });
  } else {
    console.warn(`skipped: ${name} is missing: ${reason}`);
    it.skip(`${name} is missing (${reason})`, () => undefined);
  }
  return false;
}
