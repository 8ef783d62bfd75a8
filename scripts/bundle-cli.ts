// Bundles the CLI into dist/cli/ (npm run build): its own modules in a few files, the commands still loaded lazily
// as separate chunks (esbuild code splitting at the dynamic imports of cli/commands/index.ts), the packages it uses
// left to node_modules. Node resolves and links every ES module on its own, and each one cost about 0.5 ms of a
// 70 ms command (issue 15; scripts/bench/cli-startup.ts). The SDK and the core stay one file per module in
// dist/src and dist/sdk (tsc), for the package's types and for the dashboard's child process. The chunks sit in
// dist/cli/ itself: src/package-info.ts finds the package's top folder two levels above them.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "dist/cli");

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: [join(ROOT, "cli/main.ts")],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22.12",
  packages: "external",
  chunkNames: "[name]-[hash]",
  logLevel: "warning",
});
