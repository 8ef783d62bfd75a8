// The CLI passes outDir and base through the programmatic build (cli/commands/site.ts); this is the rest.
import { defineConfig } from "astro/config";

export default defineConfig({
  output: "static",
  trailingSlash: "always",
  build: { format: "directory" },
  devToolbar: { enabled: false },
});
