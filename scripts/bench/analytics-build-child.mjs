// Runs one analytics build in a process of its own, from the built package (dist/, plain JavaScript as the
// installed CLI runs it, without the TypeScript loader), so that its peak memory is its own: prints JSON.
import { buildAnalytics } from "../../dist/src/analytics/build.js";
import { FolderStore } from "../../dist/src/storage/folder.js";

const [root, project] = process.argv.slice(2);
const started = performance.now();
const report = await buildAnalytics(new FolderStore(root), project);
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, events: report.events, objects: report.objects }));
