/** Rows of the throughput scenario: MB/s until every file is closed, against each contender. */
import { duration, loadOf, size } from "../report.mjs";

/** Per size, the contenders with a goal for trajlog's throughput ratio (higher is better). */
const GOALS = { 2048: { naive: 1.0, pino: 1.3 }, 10240: { naive: 1.0, pino: 1.3 } };
/** Sizes whose loop-thread CPU has a goal against the per-file floor (as in the hot-path rows). */
const CPU_GOAL_SIZES = new Set([2048, 10240]);

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const out = [];
  for (const t of results.throughput ?? []) {
    const load = loadOf(t);
    const label = `${size(t.lineBytes)} (mean ${size(t.meanIterationBytes)}), ${t.sessions} sessions`;
    const mine = t.contenders.trajlog;
    for (const other of Object.keys(t.contenders).filter((c) => c !== "trajlog")) {
      const goal = GOALS[t.lineBytes]?.[other];
      const ratio = { median: t.ratios[`trajlog/${other}`], iqr: t.ratioIqr[`trajlog/${other}`] };
      out.push({
        area: "throughput",
        what: `${label}: trajlog / ${other}${other === "copy" ? " (the same build loaded twice: the bias of every ratio here)" : ""}`,
        measured: `${mine.MBps} MB/s`,
        against: `${other} ${t.contenders[other].MBps} MB/s`,
        ratio,
        goal: goal === undefined ? undefined : `>= ${goal}`,
        met: goal === undefined ? undefined : ratio.median >= goal,
        load,
      });
    }
    if (t.mainThreadRatios?.["trajlog/floor"]) {
      const ratio = t.mainThreadRatios["trajlog/floor"];
      const goal = CPU_GOAL_SIZES.has(t.lineBytes);
      out.push({
        area: "throughput",
        what: `${label}: loop-thread CPU per line, loop saturated`,
        measured: duration(mine.mainThreadUsPerLine),
        against: `per-file floor ${duration(t.contenders.floor.mainThreadUsPerLine)}`,
        ratio,
        goal: goal ? "<= 1.25" : undefined,
        met: goal ? ratio.median <= 1.25 : undefined,
        load,
      });
    }
  }
  return out;
}
