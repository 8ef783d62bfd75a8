// The dashboard's render preview runs in this Web Worker, bundled for browsers at `npm run build`
// (scripts/bundle-render-worker.ts) and copied into every site build as render-worker.js. The page terminates it
// when a render overruns, so a hostile template cannot freeze the page. Requests come as `{ id, request }` and
// each reply goes back as `{ id, reply }` (site/src/preview-runner.ts).
import { renderPreview, type PreviewReply, type PreviewRequest } from "./render-preview.ts";

interface WorkerScope {
  postMessage(answer: { id: unknown; reply: PreviewReply }): void;
  addEventListener(type: "message", listener: (event: { data: { id: unknown; request: PreviewRequest } }) => void): void;
  navigator?: object;
}

/** What a worker could reach the network, storage, fonts or other threads with. */
const OUTSIDE = [
  "fetch", "XMLHttpRequest", "WebSocket", "WebSocketStream", "WebTransport", "EventSource", "importScripts",
  "indexedDB", "caches", "StorageManager", "webkitRequestFileSystem", "webkitRequestFileSystemSync",
  "FontFace", "fonts", "BroadcastChannel", "Worker", "SharedWorker",
];

const scope = globalThis as unknown as WorkerScope & Record<string, unknown>;

function remove(owner: Record<string, unknown>, name: string): void {
  delete owner[name];
  if (name in owner) Object.defineProperty(owner, name, { value: undefined, configurable: false, writable: false });
}

// The guard and the budget are what keep a template inert; a template that got past them should still find
// nothing to send the page's data anywhere with, so the preview's promise that nothing leaves the page holds.
for (const name of OUTSIDE) remove(scope, name);
// navigator.storage is an accessor on WorkerNavigator's prototype, not on the global.
if (scope.navigator) remove(Object.getPrototypeOf(scope.navigator) as Record<string, unknown>, "storage");

// Code that got past the guard cannot answer in the page's place, where a spoofed reply would clear the page's
// timer: only this listener holds postMessage, and the global's postMessage and onmessage are gone.
const post = scope.postMessage.bind(scope);
scope.addEventListener("message", ({ data }) => post({ id: data.id, reply: renderPreview(data.request) }));
remove(scope, "postMessage");
remove(scope, "onmessage");
