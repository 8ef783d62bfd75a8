import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the stub received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** A loopback HTTP server standing in for OpenAI's and Anthropic's APIs: it records each request and answers it. */
export interface ProviderStub {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The smallest valid answer of each endpoint, enough for the official clients to return it. */
function answer(path: string, model: string): unknown {
  if (path === "/v1/responses") {
    return {
      id: "resp_stub", object: "response", created_at: 0, model, status: "completed",
      output: [{ type: "message", id: "msg_stub", role: "assistant", status: "completed", content: [{ type: "output_text", text: "ok", annotations: [] }] }],
    };
  }
  if (path === "/v1/chat/completions") {
    return { id: "chatcmpl_stub", object: "chat.completion", created: 0, model, choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "ok", refusal: null } }] };
  }
  if (path === "/v1/messages") {
    return { id: "msg_stub", type: "message", role: "assistant", model, content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
  }
  return undefined;
}

export async function providerStub(): Promise<ProviderStub> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body: unknown = text === "" ? undefined : JSON.parse(text);
      const path = (req.url ?? "").split("?")[0]!;
      requests.push({ method: req.method ?? "", path, headers: req.headers, body });
      const model = typeof body === "object" && body !== null && "model" in body ? String(body.model) : "";
      const reply = answer(path, model);
      res.writeHead(reply === undefined ? 404 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply ?? { error: { message: `no such endpoint: ${path}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
