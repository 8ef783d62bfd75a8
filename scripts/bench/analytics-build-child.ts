// Runs one analytics build in a process of its own, so that its peak memory is its own: prints JSON.
import { buildAnalytics } from "../../src/analytics/build.ts";
import { FolderStore } from "../../src/storage/folder.ts";

const [root, project] = process.argv.slice(2) as [string, string];
const started = performance.now();
const report = await buildAnalytics(new FolderStore(root), project);
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, events: report.events, objects: report.objects }));
