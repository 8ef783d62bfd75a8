// Runs one analytics build in a process of its own, from the built package (dist/, as the installed CLI runs),
// so that its peak memory is its own: prints JSON.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Build from "../../src/analytics/build.ts";
import type * as Folder from "../../src/storage/folder.ts";

const dist = join(import.meta.dirname, "../../dist/src");
const { buildAnalytics } = (await import(pathToFileURL(join(dist, "analytics/build.js")).href)) as typeof Build;
const { FolderStore } = (await import(pathToFileURL(join(dist, "storage/folder.js")).href)) as typeof Folder;

const [root, project] = process.argv.slice(2) as [string, string];
const started = performance.now();
const report = await buildAnalytics(new FolderStore(root), project);
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, events: report.events, objects: report.objects }));
