// Bundles the dashboard's render worker for browsers (npm run build, after tsc): the renderer as built in
// dist/src (the same modules the SDK runs) with nunjucks' browser build, into one classic script,
// dist/dashboard/render-worker.js, which every `promptsync site build` copies into the site. Built here because
// esbuild is a devDependency: a user's site build only copies the file.
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "..");

await build({
  entryPoints: [join(ROOT, "dist/src/dashboard/render-worker.js")],
  outfile: join(ROOT, "dist/dashboard/render-worker.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2023",
  minify: true,
  alias: { nunjucks: "nunjucks/browser/nunjucks.js" },
  // The one Node.js builtin the renderer uses, a partial's hash check (src/dashboard/worker-builtins.ts).
  inject: [join(ROOT, "dist/src/dashboard/worker-builtins.js")],
  define: { "process.getBuiltinModule": "workerBuiltinModule" },
  logLevel: "warning",
});
