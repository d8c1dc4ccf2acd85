// Page 4: one task instance across training steps. A compact grid (rows: training steps,
// cells: that step's rollouts ranked by reward, coloured by reward) that stays readable at
// hundreds of steps because only the rows in view are in the page; the side-by-side detail
// of one or two chosen steps; two chosen sessions compared iteration by iteration.
import { api } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtMean, fmtReward, fmtSeconds, plural } from "../lib/format.js";
import { groupLink, instanceLink, sessionLink, sessionsLink } from "../lib/links.js";
import { rewardChart } from "../lib/charts.js";
import { rewardCell, statusBadge } from "../lib/widgets.js";
import { renderCompare } from "../lib/compare-view.js";
import { errorLine } from "../lib/error-view.js";

/** @import { GroupResponse, GroupRollout, InstanceResponse, InstanceStep, SessionSketch } from "../../api-types.ts" */
/**
 * What the page shows: the chosen steps, the focused session, the two compared.
 * @typedef {{ experiment: string, instance: string, focus: string | null, steps: number[], a: string | null, b: string | null }} State
 */
/** @typedef {(change: { steps?: number[], a?: string, b?: string, coffset?: number }) => string} HrefWith */

const ROW_HEIGHT = 24;
const GRID_HEIGHT = 480;
const OVERSCAN = 8;
const MAX_DETAIL_STEPS = 2;

/**
 * Renders the instance page for `params.experiment` and `params.instance`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 * @returns {Promise<import("../lib/page.js").PageHandle>}
 */
export async function instancePage(root, params) {
  const experiment = params.get("experiment") ?? "";
  const instance = params.get("instance") ?? "";
  setTitle(`${instance} across steps`);
  /** @type {InstanceResponse} */
  const data = await api("instance", { experiment, instance });
  if (data.steps.length === 0) {
    fill(root, h("div", { class: "empty" }, "No session of this instance in this experiment."));
    return {};
  }
  const focus = params.get("focus");
  const focusStep = focus ? data.steps.find((s) => s.rollouts.some((r) => r.path === focus))?.step : undefined;
  const chosen = chosenSteps(params.get("steps"), data.steps, focusStep);
  /** @type {State} */
  const state = { experiment, instance, focus, steps: chosen, a: params.get("a"), b: params.get("b") };
  /**
   * @type {HrefWith}
   */
  const hrefWith = (change) => instanceLink(experiment, instance, {
    focus: state.focus, steps: (change.steps ?? state.steps).join(","), a: change.a ?? state.a, b: change.b ?? state.b, coffset: change.coffset,
  });

  const detail = h("section", { class: "card", "data-testid": "step-detail" });
  const compareBox = h("section", { class: "card compare", "data-testid": "compare" });
  fill(root,
    h("div", { class: "page-head" },
      h("div", { class: "crumbs muted" }, h("a", { href: sessionsLink({ experiment }) }, experiment), " › instance"),
      h("h1", { class: "mono", "data-testid": "instance-title" }, instance),
      h("p", { class: "muted", "data-testid": "instance-facts" }, `${plural(data.sessions, "session")} across ${plural(data.steps.length, "training step")} · up to ${plural(data.maxRollouts, "rollout")} per step`)),
    h("section", { class: "card" },
      h("h2", null, "Reward by step"),
      rewardChart(chartSteps(data.steps), (step) => gridScrollTo(step), 180)),
    h("section", { class: "card" },
      h("div", { class: "section-head" },
        h("h2", null, "Every rollout, by step"),
        h("span", { class: "muted small" }, "Each cell is a rollout, best first; click one to open it, click a step to see it in detail below")),
      legend(),
      grid(data, state, hrefWith)),
    detail,
    compareBox,
  );
  /**
   * Scrolls the grid to a step (the reward chart's click).
   * @param {number} step
   */
  function gridScrollTo(step) {
    const index = data.steps.findIndex((s) => s.step === step);
    const viewport = root.querySelector(".grid-viewport");
    if (index !== -1 && viewport) viewport.scrollTop = Math.max(0, index * ROW_HEIGHT - GRID_HEIGHT / 2);
  }
  if (focusStep !== undefined) gridScrollTo(focusStep);

  const groups = await Promise.all(state.steps.map((step) => api("group", { experiment, step, instance })));
  fill(detail,
    h("div", { class: "section-head" }, h("h2", null, state.steps.length === 1 ? `Step ${state.steps[0]} in detail` : `Steps ${state.steps.join(" and ")} side by side`),
      h("span", { class: "muted small" }, "Pick A and B to compare below")),
    h("div", { class: "columns", "data-testid": "step-columns" }, groups.flatMap((group) => group.rollouts.map((r) => rolloutColumn(r, group, state, hrefWith)))));

  // Compare: A and B from the URL, else the best of the first chosen step against the focus or the best of the last.
  /**
   * @param {GroupResponse | undefined} group
   */
  const best = (group) => group?.rollouts[0]?.path;
  const a = state.a ?? best(groups[0]);
  const b = state.b ?? (focus && focus !== a ? focus : best(groups[groups.length - 1]));
  if (a && b) {
    state.a = a;
    state.b = b;
    await renderCompare(compareBox, {
      a, b,
      offset: Math.max(0, Number(params.get("coffset") ?? 0) || 0),
      pageHref: (offset) => hrefWith({ coffset: offset }),
      title: "Compare two rollouts, iteration by iteration",
    });
  } else compareBox.remove();

  const signature = (/** @type {InstanceResponse} */ d) => d.steps.map((s) => s.rollouts.map((r) => `${r.path}:${r.status}:${r.reward}`).join(",")).join("|");
  return {
    async refresh() {
      const next = await api("instance", { experiment, instance });
      if (signature(next) !== signature(data)) await instancePage(root, params);
    },
  };
}

/**
 * The steps shown in detail: from the URL, else the focused session's, else the first and the last.
 * @param {string | null} param
 * @param {InstanceStep[]} steps
 * @param {number | undefined} focusStep
 * @returns {number[]}
 */
function chosenSteps(param, steps, focusStep) {
  const known = new Set(steps.map((s) => s.step));
  const fromUrl = (param ?? "").split(",").filter((x) => x !== "").map(Number).filter((n) => known.has(n));
  if (fromUrl.length > 0) return fromUrl.slice(-MAX_DETAIL_STEPS);
  // The page has at least one step here.
  const first = /** @type {InstanceStep} */ (steps[0]).step;
  const last = focusStep ?? /** @type {InstanceStep} */ (steps[steps.length - 1]).step;
  return first === last ? [first] : [first, last];
}

/** Per-step reward figures for the chart, as the server gives them (forced rollouts left out). @param {InstanceStep[]} steps */
function chartSteps(steps) {
  return steps.map((s) => ({ step: s.step, sessions: s.rollouts.length, rewardMean: s.mean, rewardMin: s.min, rewardMax: s.max, partial: s.partial }));
}

function legend() {
  /**
   * @param {string} cls
   * @param {Record<string, string> | null} style
   * @param {string} label
   */
  const swatch = (cls, style, label) => h("span", { class: "legend-item" }, h("span", { class: `grid-cell ${cls}`, style }), label);
  return h("div", { class: "grid-legend muted small" },
    swatch("", { background: rewardColor(0) }, "reward 0"),
    swatch("", { background: rewardColor(0.5) }, "0.5"),
    swatch("", { background: rewardColor(1) }, "1"),
    swatch("no-reward", null, "no reward"),
    swatch("live", null, "running"),
    swatch("forced", { background: rewardColor(1) }, "forced (outside the sample)"),
    h("span", { class: "legend-item" }, h("span", { class: "zv-mark" }, "="), "all rewards equal (no signal)"));
}

/**
 * Red (0) → amber → green (1); rewards outside [0, 1] are clamped.
 * @param {number} reward
 */
function rewardColor(reward) {
  const t = Math.max(0, Math.min(1, reward));
  return `hsl(${Math.round(t * 130)}, 62%, 47%)`;
}

/**
 * The grid, virtualised: a fixed-height viewport whose rows are made only while in view, so
 * 500 steps × 16 rollouts cost a screenful of elements.
 * @param {InstanceResponse} data
 * @param {State} state
 * @param {HrefWith} hrefWith
 */
function grid(data, state, hrefWith) {
  const cell = Math.max(8, Math.min(26, Math.floor(860 / Math.max(1, data.maxRollouts))));
  const body = h("div", { class: "grid-body", style: { height: `${data.steps.length * ROW_HEIGHT}px` } });
  const viewport = h("div", {
    class: "grid-viewport",
    "data-testid": "instance-grid",
    "data-rows": data.steps.length,
    style: { maxHeight: `${GRID_HEIGHT}px` },
    onscroll: () => draw(),
  }, body);
  let drawn = "";
  function draw() {
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(data.steps.length, Math.ceil((top + GRID_HEIGHT) / ROW_HEIGHT) + OVERSCAN);
    if (drawn === `${first}:${last}`) return;
    drawn = `${first}:${last}`;
    fill(body, data.steps.slice(first, last).map((s, i) => gridRow(s, first + i, cell, state, hrefWith)));
  }
  // Drawn at once (the first screen) and again on every scroll.
  queueMicrotask(draw);
  draw();
  return viewport;
}

/**
 * @param {InstanceStep} s
 * @param {number} index
 * @param {number} cell the width of a cell, in pixels
 * @param {State} state
 * @param {HrefWith} hrefWith
 */
function gridRow(s, index, cell, state, hrefWith) {
  const chosen = state.steps.includes(s.step);
  const nextSteps = chosen ? state.steps.filter((x) => x !== s.step) : [...state.steps, s.step].slice(-MAX_DETAIL_STEPS);
  return h("div", { class: `grid-row ${chosen ? "chosen" : ""}`, "data-step": s.step, style: { top: `${index * ROW_HEIGHT}px` } },
    h("a", { class: "grid-step", href: hrefWith({ steps: nextSteps.length > 0 ? nextSteps : [s.step] }), title: chosen ? "shown in detail below" : "show this step in detail below" }, `step ${s.step}`),
    h("span", { class: "grid-mean", title: "mean reward of the group (forced left out)" }, fmtMean(s.mean)),
    h("span", { class: "zv-cell" }, s.zeroVariance ? h("span", { class: "zv-mark", title: "every reward of this group is equal: no learning signal" }, "=") : null),
    h("span", { class: "grid-cells", style: { gridTemplateColumns: `repeat(${s.rollouts.length}, ${cell}px)` } },
      s.rollouts.map((r) => h("a", {
        class: `grid-cell ${r.reward === null ? "no-reward" : ""} ${r.status === "live" ? "live" : ""} ${r.forced ? "forced" : ""} ${r.path === state.focus ? "focused" : ""}`,
        href: sessionLink(r.path),
        title: `step ${s.step} · reward ${fmtReward(r.reward)} · ${r.status} · ${plural(r.iterations, "iteration")}${r.forced ? " · forced" : ""}`,
        "aria-label": `step ${s.step}, reward ${fmtReward(r.reward)}`,
        style: r.reward === null ? null : { background: rewardColor(r.reward) },
      }))),
    h("a", { class: "grid-group small", href: groupLink(state.experiment, s.step, state.instance) }, "group →"),
    s.partial ? h("span", { class: "badge status-live small" }, "partial") : null,
  );
}

/**
 * One rollout of a chosen step, as a column: reward, state, one mark per iteration, opening, answer or error.
 * @param {GroupRollout} r
 * @param {GroupResponse} group
 * @param {State} state
 * @param {HrefWith} hrefWith
 */
function rolloutColumn(r, group, state, hrefWith) {
  /**
   * @param {"a" | "b"} side
   */
  const pick = (side) =>
    h("a", {
      class: `pick ${state[side] === r.path ? "picked" : ""}`,
      href: hrefWith({ [side]: r.path }),
      title: `Compare as ${side.toUpperCase()}`,
      "data-testid": `pick-${side}`,
    }, side.toUpperCase());
  return h("div", { class: `step-column ${r.path === state.focus ? "focused" : ""}`, "data-step": group.step, "data-path": r.path },
    h("div", { class: "step-column-head" }, h("span", { class: "step-label" }, `Step ${group.step} · #${r.rank}`), h("span", { class: "picks" }, pick("a"), pick("b"))),
    h("div", { class: "step-reward" }, rewardCell(r.reward, "reward big"), r.advantage !== null ? h("span", { class: "muted small" }, ` adv ${r.advantage >= 0 ? "+" : "−"}${Math.abs(r.advantage).toFixed(2)}`) : null),
    h("div", { class: "step-facts" }, statusBadge(r.status), ` ${plural(r.iterations, "iteration")} · ${fmtSeconds(r.durationSeconds)}`),
    sketchView(r.sketch),
    r.error !== null ? errorLine(r.error) : null,
    h("div", { class: "block-label" }, "Final answer"),
    h("pre", { class: "text answer clamp" }, r.finalAnswer ?? "—"),
    h("a", { class: "small", href: sessionLink(r.path) }, "Open trajectory →"),
  );
}

/**
 * One mark per iteration (red top: a code error, green: the final answer), then the opening line.
 * @param {SessionSketch | null} sketch
 */
function sketchView(sketch) {
  if (!sketch || sketch.marks === null) return null;
  return h("div", { class: "sketch" },
    h("div", { class: "sketch-marks", "aria-label": "iterations" }, sketch.marks.map((m, i) =>
      h("span", {
        class: `sketch-mark ${m.errors > 0 ? "has-error" : ""} ${m.final ? "is-final" : ""}`,
        title: `Iteration ${i + 1} · ${fmtSeconds(m.seconds)} · ${plural(m.codeBlocks, "code block")}${m.errors > 0 ? ` · ${plural(m.errors, "error")}` : ""}${m.subCalls > 0 ? ` · ${plural(m.subCalls, "sub-model call")}` : ""}`,
      }, m.subCalls > 0 ? "↳" : ""))),
    sketch.opening !== null ? h("div", { class: "opening", title: sketch.opening }, sketch.opening) : null);
}
