import type { Command } from "commander";
import { UsageError } from "../../src/errors.ts";
import { startOrigin } from "../../src/serve/origin.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions } from "../global-options.ts";
import { printJson } from "../output.ts";

export function registerServe(program: Command): void {
  withGlobalOptions(
    program
      .command("serve")
      .description("Serve the registry over HTTP as a CDN would (Cache-Control, ETags, 304s, CORS): a local origin for apps")
      .option("--port <port>", "port (0 picks a free one)", "8787")
      .option("--host <host>", "interface to listen on", "127.0.0.1"),
  ).action(async (options: GlobalOptions & { port: string; host: string }) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${options.port}"`);
    const ctx = await resolveContext(options);
    const origin = await startOrigin(await ctx.reader(), { port, host: options.host });
    if (ctx.json) printJson({ url: origin.url, registry: ctx.registry.display });
    else console.log(`Serving ${ctx.registry.display} at ${origin.url} (Ctrl-C stops)`);
    await new Promise<void>((resolve) => {
      const stop = () => void origin.close().then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  });
}
