// The dashboard's figures of npm run bench: the 500 × 20 site build and its page weights, the corpus site and its
// library search. Run alone (after npm run build, as the site build uses dist/): node scripts/bench/dashboard.ts
import { librarySearchBench } from "./library-search.ts";
import { runAlone } from "./measure.ts";
import { siteBench } from "./site.ts";

export async function dashboardBench(work: string): Promise<void> {
  await siteBench(work);
  await librarySearchBench(work);
}

if (import.meta.main) await runAlone(dashboardBench);
