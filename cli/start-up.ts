// The CLI's first module after the Node.js version check (cli/main.ts loads everything else after it), for start-up
// time (issue 15):
//
// - V8's compile cache: modules compiled from here on are cached on disk and load faster next time, as npm, tsc
//   and changesets do. Node keeps it in os.tmpdir()/node-compile-cache (a folder per Node version and user);
//   NODE_COMPILE_CACHE moves it and NODE_DISABLE_COMPILE_CACHE=1 turns it off. It never throws: a folder it cannot
//   write leaves the cache off.
// - The commands that move an alias start the git runs they record now (cli/early-git-info.ts), so that git works
//   while Node loads the command's modules.
// - `version get` is answered here when it can be (cli/fast-version-get.ts: a plain config or none, a folder
//   registry), without loading commander or the YAML parser, and the process ends. Otherwise main.ts goes on with
//   the full command.
// Builtins through process.getBuiltinModule: an ES module import of node:fs, say, builds a facade of its exports.
process.getBuiltinModule("node:module").enableCompileCache();

const args = process.argv.slice(2);
/** The commands that record git's facts with an alias change (aliasChangeRequest, cli/protected-aliases.ts). */
const RECORDS_GIT = new Set(["alias set", "alias delete", "alias rollback", "canary set", "canary promote", "canary abort"]);
if (RECORDS_GIT.has(`${args[0]} ${args[1]}`)) (await import("./early-git-info.ts")).startGitInfo(process.cwd());
if (args[0] === "version" && args[1] === "get") {
  const { fastVersionGet } = await import("./fast-version-get.ts");
  const output = await fastVersionGet(args.slice(2), process.cwd(), process.env);
  if (output !== undefined) {
    await writeOut(output);
    process.exit(0);
  }
}

/**
 * Writes to file descriptor 1 itself: process.stdout would set up a stream (for a pipe, a socket) to print a line.
 * A non-blocking pipe that is full takes the rest through process.stdout, which the exit waits for. A reader
 * that went away (`| head`) gets nothing more; that is not an error. cli/stdout.ts writes the same way for the
 * full commands; this copy waits for the stream before the exit and keeps the fast path from loading the two
 * chunks esbuild makes of that module, two more modules to link before the answer.
 */
async function writeOut(text: string): Promise<void> {
  let bytes = Buffer.from(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(process.getBuiltinModule("node:fs").writeSync(1, bytes));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return;
    if (code !== "EAGAIN") throw error;
    await new Promise<unknown>((written) => process.stdout.write(bytes, written));
  }
}
