/** The render preview's worker script in a built site, relative to its base (build.ts copies it there). */
export const RENDER_WORKER = "render-worker.js";
