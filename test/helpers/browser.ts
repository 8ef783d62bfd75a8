import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { chromium, type Browser, type Page } from "playwright-core";
import { requireComponent } from "./requirements.ts";

export const CHROMIUM = process.env.PROMPTSYNC_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../../test-results/", import.meta.url).pathname;

export function requireChromium(): boolean {
  return requireComponent("Debian's chromium", existsSync(CHROMIUM), `${CHROMIUM} does not exist (apt-get install chromium; .ci/run installs it)`);
}

/** Debian's chromium, headless, with the flags this machine's closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Console errors and uncaught page errors, collected for a test to assert there are none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}
