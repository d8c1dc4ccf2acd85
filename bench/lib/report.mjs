/**
 * The table `npm run bench` prints: one row per figure, each with what it is measured against,
 * the ratio with its interquartile range, the goal, whether it is met, and the load average
 * around its scenario. Rows come from bench/lib/rows/*.mjs, in file-name order; each file
 * exports `rows(results)` returning {@link Row}s for its area (none when its scenario did not
 * run). Extra scripts without a rows file are listed after the table, flattened.
 *
 * @typedef {object} Row
 * @property {string} area       the scenario or script, e.g. "hot path"
 * @property {string} what       the figure, e.g. "2 KB plain: logIteration"
 * @property {string} measured   the figure itself, with its unit
 * @property {string} [against]  what it is compared with, with its unit
 * @property {{ median: number, iqr: number[] } | number | null} [ratio]  measured / against
 * @property {string} [goal]     e.g. "<= 1.5"; absent when the figure is for information
 * @property {boolean | null} [met]
 * @property {number[]} [load]   1-minute load average before and after the scenario
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "rows");

/** Every row of the table, from every rows file, in file-name order. */
export async function loadRows(results) {
  const files = fs.readdirSync(ROWS_DIR).filter((f) => f.endsWith(".mjs")).sort();
  const rows = [];
  for (const file of files) {
    const module = await import(pathToFileURL(path.join(ROWS_DIR, file)).href);
    rows.push(...module.rows(results));
  }
  return rows;
}

/** The rows that have a goal: name, value, goal, met; what results.json lists as targets. */
export function targetsOf(rows) {
  return rows
    .filter((r) => r.goal !== undefined)
    .map((r) => ({ name: `${r.area}: ${r.what}`, value: r.ratio ?? r.measured, goal: r.goal, met: r.met ?? null }));
}

/** The table, then the extra scripts no rows file shows. */
export function formatReport(results, rows) {
  const m = results.machine;
  const out = [
    `trajlog bench (${results.mode}) — ${m.cpus} cores ${m.cpuModel}, ${m.memoryGB} GB, node ${m.node}, ${results.date}`,
    `load average (1, 5, 15 min): ${m.loadAverageAtStart.join(" ")} at the start, ${m.loadAverageAtEnd?.join(" ") ?? "?"} at the end`,
    "",
  ];
  const header = ["area", "what", "measured", "against", "ratio [IQR]", "goal", "", "load"];
  const cells = rows.map((r) => [
    r.area,
    r.what,
    r.measured,
    r.against ?? "",
    formatRatio(r.ratio),
    r.goal ?? "",
    r.met === undefined || r.met === null ? "" : r.met ? "met" : "MISSED",
    r.load ? r.load.map((x) => x ?? "?").join("→") : "",
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (c) => c.map((x, i) => x.padEnd(widths[i])).join(" | ").trimEnd();
  out.push(line(header), widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const c of cells) out.push(line(c));
  const shown = new Set(rows.map((r) => r.area));
  const others = Object.entries(results.extras ?? {}).filter(([name]) => !shown.has(name));
  if (others.length > 0) {
    out.push("", "Other bench scripts (bench/*.mjs; no rows file):");
    for (const [name, value] of others) {
      for (const [k, v] of flatten(value)) out.push(`   ${name}.${k}: ${v}`);
    }
  }
  return out.join("\n");
}

/** The table as Markdown, for the README: the same columns as the printed one. */
export function formatMarkdown(results, rows) {
  const m = results.machine;
  const esc = (x) => String(x).replaceAll("|", "\\|");
  const out = [
    `${m.cpus} cores (${m.cpuModel}), ${m.memoryGB} GB, Node ${m.node.replace(/^v/, "")}, ${m.os}; ${results.date.slice(0, 16).replace("T", " ")} UTC; ` +
      `load average ${m.loadAverageAtStart.join(" ")} at the start, ${m.loadAverageAtEnd?.join(" ") ?? "?"} at the end.`,
    "",
    "| area | what | measured | against | ratio [IQR] | goal | | load |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const met = r.met === undefined || r.met === null ? "" : r.met ? "met" : "**missed**";
    const load = r.load ? r.load.map((x) => x ?? "?").join("→") : "";
    out.push(`| ${[r.area, r.what, r.measured, r.against ?? "", formatRatio(r.ratio), r.goal ?? "", met, load].map(esc).join(" | ")} |`);
  }
  return out.join("\n");
}

/** "1.23 [1.1–1.4]", or the number alone, or "". */
export function formatRatio(ratio) {
  if (ratio === undefined || ratio === null) return "";
  if (typeof ratio === "number") return String(ratio);
  return `${ratio.median} [${ratio.iqr.join("–")}]`;
}

/** The 1-minute load average before and after a scenario, from its `loadAverage` record. */
export function loadOf(result) {
  const l = result?.loadAverage;
  return l ? [l.before?.[0], l.after?.[0]] : undefined;
}

/** A duration given in microseconds, for people: "812 µs", "3.1 ms", "1.04 s". */
export function duration(us) {
  if (us >= 1e6) return `${Number((us / 1e6).toPrecision(3))} s`;
  if (us >= 1e3) return `${Number((us / 1e3).toPrecision(3))} ms`;
  return `${Number(us.toPrecision(3))} µs`;
}

/** Bytes for people: "2 KB", "9.9 KB", "1 MB", "12 MB" (binary units, as the sizes are chosen). */
export function size(bytes) {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toPrecision(3))} MB`;
  return `${Number((bytes / 1024).toPrecision(3))} KB`;
}

function flatten(value, prefix = "") {
  if (typeof value !== "object" || value === null) return [[prefix || "value", value]];
  const out = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) out.push(...flatten(v, key));
    else out.push([key, Array.isArray(v) ? JSON.stringify(v) : v]);
  }
  return out;
}
