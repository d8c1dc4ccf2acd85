/** Rows of bench/export.mjs: `trajlog export` input throughput, through the CLI. */

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const e = results.extras?.export;
  if (!e || e.error !== undefined || e.input_mb_per_s === undefined) return [];
  return [
    {
      area: "export",
      what: `trajlog export, ${e.format}, ${e.input_mb} MiB (${e.sessions} sessions)`,
      measured: `${e.input_mb_per_s} MiB/s, ${e.input_mb_per_cpu_s} MiB per CPU s, peak RSS ${e.peak_rss_mb} MB`,
      load: [e.load_average_1m, e.load_average_1m],
    },
  ];
}
