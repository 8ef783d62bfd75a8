// Runs the render preview's requests in a Web Worker, one at a time, keeping only the latest request that waits.
// A request that overruns `timeoutMs` gets its worker terminated and a fresh one started: whatever a template
// does, the page's own thread never runs it and stays responsive. Each request goes as `{ id, request }`, and only
// `{ id, reply }` with the id of the request the worker is on is taken as its reply.

export interface PreviewRunnerEvents<Request, Reply> {
  reply(reply: Reply): void;
  /** The worker was terminated after `timeoutMs` without an answer to `request`. */
  stopped(timeoutMs: number, request: Request): void;
  /** The worker could not run `request` (its script failed to load or threw). */
  failed(message: string, request: Request): void;
}

export interface PreviewRunner<Request> {
  render(request: Request): void;
}

export function previewRunner<Request, Reply>(url: string, timeoutMs: number, events: PreviewRunnerEvents<Request, Reply>): PreviewRunner<Request> {
  let worker: Worker | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The request the worker is on, and the latest one waiting for it. */
  let running: Request | undefined;
  let runningId = 0;
  let waiting: { request: Request } | undefined;

  const settle = () => {
    clearTimeout(timer);
    timer = undefined;
    running = undefined;
    if (waiting) {
      const { request } = waiting;
      waiting = undefined;
      send(request);
    }
  };
  const restart = () => {
    worker?.terminate();
    worker = undefined;
  };
  const send = (request: Request) => {
    if (!worker) {
      worker = new Worker(url);
      worker.onmessage = (event: MessageEvent<{ id?: unknown; reply: Reply } | null>) => {
        if (timer === undefined || event.data?.id !== runningId) return;
        events.reply(event.data.reply);
        settle();
      };
      worker.onerror = (event) => {
        event.preventDefault();
        restart();
        events.failed(event.message || "the preview's worker failed to start", running!);
        settle();
      };
    }
    running = request;
    runningId++;
    timer = setTimeout(() => {
      restart();
      events.stopped(timeoutMs, request);
      settle();
    }, timeoutMs);
    worker.postMessage({ id: runningId, request });
  };

  return {
    render(request) {
      if (timer === undefined) send(request);
      else waiting = { request };
    },
  };
}
