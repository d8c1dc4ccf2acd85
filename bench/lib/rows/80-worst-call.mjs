/** Rows of bench/worst-call.mjs: the longest single logIteration call on inputs of 8 to 64 MiB. */

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const w = results.extras?.["worst-call"];
  if (!w || w.error !== undefined || w.rows === undefined) return [];
  const load = [w.loadAverage?.before?.[0], w.loadAverage?.after?.[0]];
  const out = w.rows.map((r) => ({
    area: "worst call",
    what: `${r.layout}, ${r.inputMiB} MiB input: logIteration median (max)`,
    measured: `${r.logIterationMs.median} ms (max ${r.logIterationMs.max} ms)`,
    against: `warm stringify ${r.stringifyMs.median} ms`,
    ratio: r.ratio,
    load,
  }));
  out.push({
    area: "worst call",
    what: "longest logIteration call on any input up to 64 MiB",
    measured: `${w.worst.ms} ms (${w.worst.layout}, ${w.worst.inputMiB} MiB)`,
    goal: "<= 50 ms",
    met: w.worst.ms <= 50,
    load,
  });
  return out;
}
