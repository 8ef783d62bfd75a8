import { PromptSyncError, UsageError } from "../../src/errors.ts";
import { startOrigin, type ServedRequest } from "../../src/serve/origin.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions } from "../options/global.ts";
import { terminalSafe } from "../terminal-safe.ts";

export const registerServe = defineCommand({
  command: "serve",
  description: "Serve the registry over HTTP as a CDN would (Cache-Control, ETags, 304s, CORS): a local origin for apps",
  options: [
    (command) =>
      command
        .option("--port <port>", "port (0 picks a free one)", "8787")
        .option("--host <host>", "interface to listen on", "127.0.0.1")
        .option("--quiet", "do not log each request on stderr"),
    globalOptions,
  ],
  parse: (options: GlobalOptions & { port: string; host: string; quiet?: boolean }) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${options.port}"`);
    return { ...options, port };
  },
  run: async (ctx, { port, host, quiet }) => {
    const reader = await ctx.reader();
    const onRequest = quiet ? undefined : (request: ServedRequest) => process.stderr.write(`${requestLine(request)}\n`);
    const origin = await startOrigin(reader, { port, host, ...(onRequest && { onRequest }) }).catch((error: unknown) => {
      throw listenError(error, host, port);
    });
    // The listening server keeps the process running after the command returns, until a signal closes it.
    const stop = () => void origin.close();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return { url: origin.url, registry: ctx.registry.display };
  },
  text: ({ url, registry }) => `Serving ${registry} at ${url} (Ctrl-C stops)`,
});

const PATH_LOGGED = 200;

/**
 * One access-log line: `GET /prompts/web/_index.json 200 412 B 1.3 ms`. The path comes from the network: bytes
 * outside printable ASCII are shown percent-encoded (a raw line break or escape could forge lines or drive the
 * terminal), it is cut at 200 characters, and the query string, where a client could put a token, is never logged.
 */
function requestLine({ method, path, status, bytes, ms }: ServedRequest): string {
  const visible = path.replace(/[^\x21-\x7e]/g, (ch) => [...Buffer.from(ch, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""));
  const shown = visible.length > PATH_LOGGED ? `${visible.slice(0, PATH_LOGGED)}…` : visible;
  return terminalSafe(`${method.replace(/[^A-Z]/gi, "?").slice(0, 16)} ${shown} ${status} ${bytes} B ${ms.toFixed(1)} ms`);
}

/** Why the server could not listen, as a user error: never a stack trace. */
function listenError(error: unknown, host: string, port: number): unknown {
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  switch ((error as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return new PromptSyncError("PORT_IN_USE", `Cannot listen on ${address}: another program is using the port`, {
        suggestion: `Stop it, or choose another port: --port ${port === 65535 ? 8787 : port + 1} (--port 0 picks a free one).`,
      });
    case "EACCES":
      return new PromptSyncError("PORT_DENIED", `Cannot listen on ${address}: permission denied${port < 1024 ? " (ports below 1024 need administrator rights)" : ""}`, {
        suggestion: "Choose a port from 1024 up, such as --port 8787 (--port 0 picks a free one).",
      });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new UsageError(`Cannot listen on ${address}: ${host} is not an address of this machine`, "Give --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).");
    default:
      return error;
  }
}
