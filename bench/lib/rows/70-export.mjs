/** Rows of bench/export.mjs: `trajlog export` input throughput through the CLI, per format. */
import { formatRatio } from "../report.mjs";

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const e = results.extras?.export;
  if (!e || e.error !== undefined || e.formats === undefined) return [];
  return Object.entries(e.formats).map(([format, f]) => {
    const loads = f.load_average_1m;
    return {
      area: "export",
      what: `trajlog export --format ${format}, ${e.input_mb} MiB (${e.sessions} sessions), ${e.runs} runs`,
      measured: `${formatRatio(f.input_mb_per_s)} MiB/s; ${f.input_mb_per_cpu_s?.median ?? "?"} MiB per CPU s; peak RSS ${f.peak_rss_mb} MB`,
      load: [loads[0]?.[0], loads[loads.length - 1]?.[1]],
    };
  });
}
