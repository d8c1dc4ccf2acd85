/** Rows of the stalled-disk scenario: memory stays bounded, drops are counted. */

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const out = [];
  for (const s of [results.stalledDisk, results.stalledDiskChurn]) {
    if (!s) continue;
    const what = s.churn ? "rollouts ending and starting" : "the same rollouts";
    out.push({
      area: "stalled disk",
      what: `${s.seconds} s, ${what}: RSS growth`,
      measured: `${s.rssGrowthMB} MB; ${s.linesDropped} lines dropped and counted`,
      against: `cap + 50 MB = ${s.limitMB} MB`,
      goal: s.churn ? undefined : "< cap + 50 MB",
      met: s.churn ? undefined : s.withinLimit && s.linesDropped > 0,
    });
  }
  return out;
}
