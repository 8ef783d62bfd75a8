// The CLI's first module (cli/main.ts imports it before anything else), for start-up time (issue 15):
//
// - V8's compile cache: modules compiled from here on are cached on disk and load faster next time, as npm, tsc
//   and changesets do. Node keeps it in os.tmpdir()/node-compile-cache (a folder per Node version and user);
//   NODE_COMPILE_CACHE moves it and NODE_DISABLE_COMPILE_CACHE=1 turns it off. It never throws: a folder it cannot
//   write leaves the cache off.
// - `version get` in a project without a config file is answered here (cli/fast-version-get.ts), without loading
//   commander or the YAML parser, and the process ends. Otherwise main.ts goes on with the full command.
import { enableCompileCache } from "node:module";

enableCompileCache();

const args = process.argv.slice(2);
// A config (found by a few file checks) needs the full command: nothing more is loaded for it here.
if (args[0] === "version" && args[1] === "get" && !(await import("../src/project/config-files.ts")).mayHaveConfig(process.cwd())) {
  const { fastVersionGet } = await import("./fast-version-get.ts");
  const output = await fastVersionGet(args.slice(2), process.cwd(), process.env);
  if (output !== undefined) {
    // Written out before the exit, also where stdout is asynchronous (pipes on macOS).
    await new Promise<unknown>((written) => process.stdout.write(output, written));
    process.exit(0);
  }
}
