/** Rows of the sampled-out scenario: a rollout's cost when it is not logged. */
import { loadOf } from "../report.mjs";

/** Goals in ns per sampled-out rollout above the empty object. */
const GOALS = { "rate 0": 50, "rate 0.1, seed": 300 };

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const s = results.sampledOut;
  if (!s) return [];
  return Object.entries(s.settings).map(([name, v]) => {
    const goal = GOALS[name];
    return {
      area: "sampled out",
      what: `${name}: ns per rollout above an empty object`,
      measured: `${v.overheadNsPerRollout.median} ns [${v.overheadNsPerRollout.iqr.join("–")}] (${v.trajlogNsPerRollout} in all)`,
      against: `empty object ${v.emptyNsPerRollout} ns`,
      goal: goal === undefined ? undefined : `<= ${goal} ns`,
      met: goal === undefined ? undefined : v.overheadNsPerRollout.median <= goal,
      load: loadOf(s),
    };
  });
}
