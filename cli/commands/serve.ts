import { UsageError } from "../../src/errors.ts";
import { startOrigin } from "../../src/serve/origin.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions } from "../options/global.ts";

export const registerServe = defineCommand({
  command: "serve",
  description: "Serve the registry over HTTP as a CDN would (Cache-Control, ETags, 304s, CORS): a local origin for apps",
  options: [
    (command) =>
      command
        .option("--port <port>", "port (0 picks a free one)", "8787")
        .option("--host <host>", "interface to listen on", "127.0.0.1"),
    globalOptions,
  ],
  parse: (options: GlobalOptions & { port: string; host: string }) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${options.port}"`);
    return { ...options, port };
  },
  run: async (ctx, { port, host }) => {
    const origin = await startOrigin(await ctx.reader(), { port, host });
    // The listening server keeps the process running after the command returns, until a signal closes it.
    const stop = () => void origin.close();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return { url: origin.url, registry: ctx.registry.display };
  },
  text: ({ url, registry }) => `Serving ${registry} at ${url} (Ctrl-C stops)`,
});
