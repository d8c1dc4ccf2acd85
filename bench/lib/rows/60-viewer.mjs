/** Rows of bench/viewer.mjs: `trajlog view` on large trees, per tree size. */
import { duration } from "../report.mjs";

/** Goals at 100,000 files. */
const GOAL_FILES = 100_000;

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const v = results.extras?.viewer;
  if (!v || v.error !== undefined || v.trees === undefined) return [];
  const out = [];
  for (const [files, t] of Object.entries(v.trees)) {
    const goal = Number(files) === GOAL_FILES;
    const label = `${Number(files).toLocaleString("en-US")} files`;
    const load = [Number(String(t.loadBefore).split(" ")[0]), Number(String(t.loadAfter).split(" ")[0])];
    out.push(
      {
        area: "viewer",
        what: `trajlog view, ${label}: time to listen`,
        measured: duration(t.listenMs * 1000),
        against: `index full after ${duration(t.indexedMs * 1000)}`,
        goal: goal ? "<= 5 s" : undefined,
        met: goal ? t.listenMs <= 5000 : undefined,
        load,
      },
      {
        area: "viewer",
        what: `trajlog view, ${label}: page p99 (every page, index full)`,
        measured: `${t.allPages.p99Ms} ms (p50 ${t.allPages.p50Ms}, n ${t.allPages.n})`,
        goal: goal ? "<= 100 ms" : undefined,
        met: goal ? t.allPages.p99Ms <= 100 : undefined,
        load,
      },
      {
        area: "viewer",
        what: `trajlog view, ${label}: peak RSS`,
        measured: `${t.peakRssMb} MB`,
        goal: goal ? "<= 500 MB" : undefined,
        met: goal ? t.peakRssMb <= 500 : undefined,
        load,
      },
    );
  }
  return out;
}
