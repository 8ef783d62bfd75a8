// The dashboard's render preview runs in this Web Worker, bundled for browsers at `npm run build`
// (scripts/bundle-render-worker.ts) and copied into every site build as render-worker.js. The page terminates it
// when a render overruns, so a hostile template cannot freeze the page.
import { renderPreview, type PreviewReply, type PreviewRequest } from "./render-preview.ts";

interface WorkerScope {
  onmessage: ((event: { data: PreviewRequest }) => void) | null;
  postMessage(reply: PreviewReply): void;
}

/** What a worker could reach the network or storage with. */
const OUTSIDE = ["fetch", "XMLHttpRequest", "WebSocket", "WebTransport", "EventSource", "importScripts", "indexedDB", "caches", "BroadcastChannel", "Worker", "SharedWorker"];

const scope = globalThis as unknown as WorkerScope & Record<string, unknown>;
// The guard and the budget are what keep a template inert; a template that got past them should still find
// nothing to send the page's data anywhere with, so the preview's promise that nothing leaves the page holds.
for (const name of OUTSIDE) {
  delete scope[name];
  if (name in scope) Object.defineProperty(scope, name, { value: undefined, configurable: false, writable: false });
}
scope.onmessage = (event) => scope.postMessage(renderPreview(event.data));
