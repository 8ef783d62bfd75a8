// Runs one analytics build in a process of its own, from the built package (dist/, plain JavaScript as the
// installed CLI runs it, without the TypeScript loader), so that its peak memory is its own: prints JSON.
import { readFileSync } from "node:fs";
import { buildAnalytics } from "../../dist/src/analytics/build.js";
import { FolderStore } from "../../dist/src/storage/folder.js";

const [root, project] = process.argv.slice(2);
const started = performance.now();
const report = await buildAnalytics(new FolderStore(root), project);
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: peakRssMb(), events: report.events, objects: report.objects }));

/**
 * This process's own peak: Linux's VmHWM belongs to the memory map exec made. getrusage's maxRSS does not: it keeps
 * the high-water mark of the parent's memory copied at fork, so a child of a large bench process reported the
 * parent's size.
 */
function peakRssMb() {
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
