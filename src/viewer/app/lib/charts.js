// Per-step charts drawn with uPlot (shipped in the package, served from /vendor/).
import uPlot from "/vendor/uplot.js";
import { h } from "./dom.js";
import { fmtMean } from "./format.js";

/** @import { StepStats } from "../../api-types.ts" */
/**
 * @template [T=StepStats]
 * @typedef {HTMLElement & { update: (steps: T[]) => void }} ChartBox
 */
/** @typedef {(step: number) => void} OnPick */
/**
 * @template [T=StepStats]
 * @typedef {(steps: T[]) => uPlot.AlignedData} DataOf
 */
/**
 * What the reward chart needs of a step (the instance page draws it from its own figures).
 * @typedef {Pick<StepStats, "step" | "sessions" | "rewardMean" | "rewardMin" | "rewardMax" | "partial"> & { rewardQuantiles?: StepStats["rewardQuantiles"] }} RewardPoint
 */

const INK = "#1e293b";
const GRID = "#e2e8f0";
const AXIS_FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";

/**
 * Mean reward per step with a min–max band, and the number of sessions of each step as faint
 * bars on the right axis. `onPick(step)` is called when a step is clicked.
 * @param {RewardPoint[]} steps
 * @param {OnPick} onPick
 * @returns {ChartBox<RewardPoint>}
 */
export function rewardChart(steps, onPick, height = 220) {
  /** @type {DataOf<RewardPoint>} */
  const dataOf = (list) => [
    list.map((s) => s.step),
    list.map((s) => s.rewardMean),
    list.map((s) => s.rewardMin),
    list.map((s) => s.rewardMax),
    list.map((s) => s.sessions),
    list.map((s) => (s.partial ? s.rewardMean : null)),
    list.map((s) => s.rewardQuantiles?.p25 ?? null),
    list.map((s) => s.rewardQuantiles?.p75 ?? null),
  ];
  return chart(
    {
      height,
      // Session bars stay in the lower third, under the reward lines.
      scales: { x: { time: false }, n: { range: (_u, _min, max) => [0, Math.max(1, max) * 3.2] } },
      series: [
        { label: "step", value: (_u, v) => (v === null ? "—" : String(v)) },
        { label: "mean reward", stroke: "#4f46e5", width: 2.5, points: { size: 6, fill: "#4f46e5" }, value: (_u, v) => fmtMean(v) },
        { label: "min", stroke: "rgba(79,70,229,0.35)", width: 1, dash: [4, 3], points: { show: false }, value: (_u, v) => fmtMean(v) },
        { label: "max", stroke: "rgba(79,70,229,0.35)", width: 1, dash: [4, 3], points: { show: false }, value: (_u, v) => fmtMean(v) },
        {
          label: "sessions",
          scale: "n",
          stroke: "rgba(100,116,139,0.0)",
          fill: "rgba(100,116,139,0.18)",
          // Always there in the ES build the page loads; optional only in uPlot's types.
          paths: /** @type {NonNullable<typeof uPlot.paths.bars>} */ (uPlot.paths.bars)({ size: [0.5, 28] }),
          points: { show: false },
          value: (_u, v) => (v === null ? "—" : String(v)),
        },
        partialSeries(),
        { label: "p25", stroke: "rgba(79,70,229,0.0)", points: { show: false }, value: (_u, v) => fmtMean(v) },
        { label: "p75", stroke: "rgba(79,70,229,0.0)", points: { show: false }, value: (_u, v) => fmtMean(v) },
      ],
      bands: [{ series: [3, 2], fill: "rgba(79,70,229,0.08)" }, { series: [7, 6], fill: "rgba(79,70,229,0.16)" }],
      axes: [
        axis({ label: "training step", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }),
        axis({ label: "reward" }),
        axis({ scale: "n", side: 1, grid: { show: false }, label: "sessions", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000] }),
      ],
    },
    dataOf,
    steps,
    onPick,
  );
}

/** Mean iterations per step. */
/**
 * @param {StepStats[]} steps
 * @param {OnPick} onPick
 * @returns {ChartBox}
 */
export function iterationsChart(steps, onPick, height = 220) {
  return lineChart(steps, onPick, { label: "iterations", series: [{ label: "mean iterations", color: "#0891b2", value: (s) => s.iterationsMean }] }, height);
}

/** Share of groups with zero reward variance per step, in percent. */
/**
 * @param {StepStats[]} steps
 * @param {OnPick} onPick
 * @returns {ChartBox}
 */
export function zeroVarianceChart(steps, onPick, height = 220) {
  return lineChart(steps, onPick, {
    label: "% of groups", max: 100, format: (v) => (v === null ? "—" : `${v.toFixed(0)} %`),
    series: [{ label: "zero-variance groups", color: "#d97706", value: (s) => (s.zeroVarianceShare === null ? null : s.zeroVarianceShare * 100) }],
  }, height);
}

/** Errored over finished sessions per step, in percent. */
/**
 * @param {StepStats[]} steps
 * @param {OnPick} onPick
 * @returns {ChartBox}
 */
export function errorRateChart(steps, onPick, height = 220) {
  return lineChart(steps, onPick, {
    label: "% errored", max: 100, format: (v) => (v === null ? "—" : `${v.toFixed(0)} %`),
    series: [{ label: "error rate", color: "#b91c1c", value: (s) => (s.errorRate === null ? null : s.errorRate * 100) }],
  }, height);
}

/** Mean input and output tokens per session, per step. */
/**
 * @param {StepStats[]} steps
 * @param {OnPick} onPick
 * @returns {ChartBox}
 */
export function tokensChart(steps, onPick, height = 220) {
  return lineChart(steps, onPick, {
    label: "tokens per session", format: (v) => (v === null ? "—" : Math.round(v).toLocaleString("en-US")),
    series: [
      { label: "tokens in", color: "#7c3aed", value: (s) => s.inputTokensMean },
      { label: "tokens out", color: "#db2777", value: (s) => s.outputTokensMean },
    ],
  }, height);
}

/** @typedef {{ label: string, color: string, value: (s: StepStats) => number | null }} LineSpec */

/**
 * One or more per-step lines from 0 up, with the partial steps ringed (on the first line).
 * @param {StepStats[]} steps
 * @param {OnPick} onPick
 * @param {{ label: string, max?: number, format?: (v: number|null) => string, series: [LineSpec, ...LineSpec[]] }} spec
 * @param {number} height
 * @returns {ChartBox}
 */
function lineChart(steps, onPick, spec, height) {
  const format = spec.format ?? ((/** @type {number | null} */ v) => fmtMean(v));
  const first = spec.series[0];
  /** @type {DataOf} */
  const dataOf = (list) => [
    list.map((s) => s.step),
    ...spec.series.map((line) => list.map((s) => line.value(s))),
    list.map((s) => (s.partial ? first.value(s) : null)),
  ];
  return chart(
    {
      height,
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, spec.max ?? Math.max(1, Math.ceil((max ?? 1) * 1.15))] } },
      series: [
        { label: "step", value: (_u, v) => (v === null ? "—" : String(v)) },
        ...spec.series.map((line) => /** @type {uPlot.Series} */ ({ label: line.label, stroke: line.color, width: 2.5, points: { size: 6, fill: line.color }, value: (_u, v) => format(v) })),
        partialSeries(),
      ],
      axes: [axis({ label: "training step", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }), axis({ label: spec.label })],
    },
    dataOf,
    steps,
    onPick,
  );
}

/**
 * Hollow amber rings over the points of partial steps (sessions still running), so that a
 * mean that will still move is not read as final. Data: the value at partial steps, else null.
 * @returns {uPlot.Series}
 */
function partialSeries(scale = "y") {
  return {
    label: "partial step",
    scale,
    stroke: "#d97706",
    width: 0,
    paths: () => null,
    points: { show: true, size: 13, width: 2, stroke: "#d97706", fill: "rgba(0,0,0,0)" },
    value: (_u, v) => (v === null ? "—" : "still running"),
  };
}

/**
 * @param {uPlot.Axis} extra
 * @returns {uPlot.Axis}
 */
function axis(extra) {
  return { stroke: INK, font: AXIS_FONT, labelFont: AXIS_FONT, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID }, ...extra };
}

/**
 * A chart that fills its container's width and follows it when resized. The returned element
 * has `update(steps)`, which redraws with new data and keeps the chart (and the cursor) in place.
 * @template T
 * @param {Omit<uPlot.Options, "width"> & { height: number }} options
 * @param {DataOf<T>} dataOf
 * @param {T[]} steps
 * @param {OnPick} onPick
 * @returns {ChartBox<T>}
 */
function chart(options, dataOf, steps, onPick) {
  const box = /** @type {ChartBox<T>} */ (h("div", { class: "chart" }));
  let data = dataOf(steps);
  /** @type {uPlot | null} */
  let plot = null;
  const draw = () => {
    const width = Math.max(240, box.clientWidth);
    if (plot === null) {
      const drawn = new uPlot({ width, cursor: { drag: { x: false, y: false } }, legend: { live: true }, ...options }, data, box);
      plot = drawn;
      if (onPick) {
        drawn.over.addEventListener("click", () => {
          const idx = drawn.cursor.idx;
          const step = idx === null || idx === undefined ? undefined : data[0][idx];
          if (step !== undefined) onPick(step);
        });
        drawn.over.style.cursor = "pointer";
      }
    } else if (plot.width !== width) {
      plot.setSize({ width, height: options.height });
    }
  };
  // Drawn once the box is in the page and has a width.
  new ResizeObserver(() => draw()).observe(box);
  box.update = (next) => {
    data = dataOf(next);
    plot?.setData(data);
  };
  return box;
}
