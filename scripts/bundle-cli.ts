// Bundles the CLI into dist/cli/ (npm run build): its own modules in a few files, the commands still loaded lazily
// as separate chunks (esbuild code splitting at the dynamic imports of cli/commands/index.ts), the packages it uses
// left to node_modules. Node resolves and links every ES module on its own, and each one cost about 0.5 ms of a
// 70 ms command (issue 15; scripts/bench/cli-startup.ts). The SDK and the core stay one file per module in
// dist/src and dist/sdk (tsc), for the package's types and for the dashboard's child process. The chunks sit in
// dist/cli/ itself: src/package-info.ts finds the package's top folder two levels above them. `version get`'s fast
// path (cli/fast-version-get.ts) is one file of its own, sharing no chunk, so that it loads three modules in all.
// The files end in .mjs: Node then knows each is an ES module without looking up the package.json above it, which
// it does per module for a .js file (about 6 ms of alias set's 25 modules).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "dist/cli");

/** The fast path's import, left to the file the second build writes. */
const fastPathApart: Plugin = {
  name: "fast-path-apart",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\/fast-version-get\.ts$/ }, () => ({ path: "./fast-version-get.mjs", external: true }));
  },
};

const common = { bundle: true, format: "esm", platform: "node", target: "node22.12", packages: "external", logLevel: "warning", outExtension: { ".js": ".mjs" } } as const;

rmSync(OUT, { recursive: true, force: true });
await build({ ...common, entryPoints: [join(ROOT, "cli/main.ts")], outdir: OUT, splitting: true, chunkNames: "[name]-[hash]", plugins: [fastPathApart] });
await build({ ...common, entryPoints: [join(ROOT, "cli/fast-version-get.ts")], outdir: OUT });
