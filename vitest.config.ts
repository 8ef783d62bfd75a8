import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // What `promptsync site build` resolves for the pages (src/dashboard/run-astro.ts), for tests of site/src's modules.
  resolve: { alias: { "virtual:promptsync/view": fileURLToPath(new URL("./src/dashboard/view.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./scripts/vitest-summary-reporter.ts"],
  },
});
