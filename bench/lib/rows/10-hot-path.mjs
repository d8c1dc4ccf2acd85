/** Rows of the hot-path scenario: time inside logIteration, loop-thread CPU per line, shapes. */
import { duration, loadOf, size } from "../report.mjs";

const LINE_CAP = 8 * 1024 * 1024;
/** Sizes whose loop-thread CPU has a goal against the per-file floor. */
const CPU_GOAL_SIZES = new Set([2048, 10240]);

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const out = [];
  let worst = null;
  for (const h of results.hotPath ?? []) {
    const load = loadOf(h);
    for (const [shape, s] of Object.entries(h.shapes)) {
      const label = `${size(h.lineBytes)} ${shape}`;
      const mean = `mean ${size(s.meanIterationBytes)}`;
      const aboveCap = s.callsAboveLineCap === s.calls;
      const goal = aboveCap ? 3 : s.maxIterationBytes <= LINE_CAP ? 1.5 : undefined;
      const ratio = s["logIteration/stringify"];
      out.push({
        area: "hot path",
        what: `${label} (${mean}${aboveCap ? ", all above the line cap" : ""}): logIteration p50`,
        measured: `${duration(s.logIterationUs.p50)} (p99 ${duration(s.logIterationUs.p99)})`,
        against: `warm stringify ${duration(s.stringifyUs.p50)}`,
        ratio,
        goal: goal === undefined ? undefined : `<= ${goal}`,
        met: goal === undefined ? undefined : ratio.median <= goal,
        load,
      });
      const cpu = s["mainThread trajlog/floor"];
      const cpuGoal = CPU_GOAL_SIZES.has(h.lineBytes) && shape === "plain";
      out.push({
        area: "loop cost",
        what: `${label}: loop-thread CPU per iteration, deferred work included`,
        measured: duration(s.mainThreadUsPerIteration.trajlog.median),
        against: `per-file floor ${duration(s.mainThreadUsPerIteration.floor.median)}`,
        ratio: cpu,
        goal: cpuGoal ? "<= 1.25" : undefined,
        met: cpuGoal ? cpu.median <= 1.25 : undefined,
        load,
      });
      if (s.compare) {
        out.push({
          area: "hot path",
          what: `${label}: this build / --compare build, logIteration per call`,
          measured: duration(s.logIterationUs.p50),
          against: `--compare ${duration(s.compare.logIterationUs.p50)}`,
          ratio: s.compare["logIteration trajlog/compare"],
          load,
        });
        out.push({
          area: "loop cost",
          what: `${label}: this build / --compare build, loop-thread CPU per iteration`,
          measured: duration(s.mainThreadUsPerIteration.trajlog.median),
          against: `--compare ${duration(s.compare.mainThreadUsPerIteration.median)}`,
          ratio: s.compare["mainThread trajlog/compare"],
          load,
        });
      }
      if (worst === null || s.logIterationUs.max > worst.us) worst = { us: s.logIterationUs.max, label, load };
    }
    const rp = h["realistic/plain"];
    if (rp) {
      out.push({
        area: "shapes",
        what: `${size(h.lineBytes)}: realistic / plain messages, logIteration per byte`,
        measured: `main-thread CPU per byte ${rp.mainThreadPerByte.median} [${rp.mainThreadPerByte.iqr.join("–")}]`,
        ratio: rp.logIterationPerByte,
        goal: "<= 1.2",
        met: rp.logIterationPerByte.median <= 1.2,
        load,
      });
    }
  }
  if (worst !== null) {
    out.push({
      area: "hot path",
      what: "longest logIteration call, every size and shape",
      measured: `${duration(worst.us)} (${worst.label})`,
      goal: "<= 50 ms",
      met: worst.us <= 50_000,
      load: worst.load,
    });
  }
  return out;
}
