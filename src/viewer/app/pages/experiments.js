// Page 1: every experiment, with reward and iterations per training step.
import { api } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtInt, fmtMean, fmtTime, plural } from "../lib/format.js";
import { link, sessionsLink } from "../lib/links.js";
import { errorRateChart, iterationsChart, rewardChart, tokensChart, zeroVarianceChart } from "../lib/charts.js";
import { indexingNote, rewardCell } from "../lib/widgets.js";

/** @import { ExperimentOverview, OverviewResponse, StepStats } from "../../api-types.ts" */

/**
 * Renders the experiments page into `root`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 */
export async function experimentsPage(root, params) {
  setTitle("Experiments");
  const forced = params?.get("forced") === "include" ? "include" : "apart";
  /** @type {{ names: string, count: HTMLElement, cards: ReturnType<typeof experimentCard>[] } | null} */
  let shown = null;
  const note = h("div", { class: "indexing-box" });
  const render = async () => {
    const overview = await api("overview", { forced });
    fill(note, indexingNote(overview.indexing));
    // While a run writes, the same experiments come back with new numbers: update in place,
    // so that the charts do not flicker or lose the cursor.
    const names = overview.experiments.map((e) => e.experiment).join("\n");
    if (shown !== null && shown.names === names && names !== "") {
      shown.count.textContent = summaryText(overview);
      const { cards } = shown;
      overview.experiments.forEach((experiment, i) => cards[i]?.update(experiment));
      return;
    }
    const cards = overview.experiments.map((experiment) => experimentCard(experiment));
    const count = h("span", null, summaryText(overview));
    shown = { names, count, cards };
    fill(root, 
      h("div", { class: "page-head" },
        h("h1", null, "Experiments"),
        h("p", { class: "muted" }, count, h("code", null, overview.logDir)),
        h("p", { class: "muted small", "data-testid": "forced-mode" },
          forced === "apart"
            ? ["Forced sessions are left out of every figure and shown apart. ", h("a", { href: link("", { forced: "include" }) }, "Count them in")]
            : ["Forced sessions are counted in every figure. ", h("a", { href: link("") }, "Leave them out")]),
      ),
      note,
      cards.length > 0
        ? cards
        : overview.indexing !== null
          ? null
          : h("div", { class: "empty" }, "No session files yet. They appear here as soon as the training process writes them."),
    );
  };
  await render();
  return { refresh: render };
}

/**
 * @param {OverviewResponse} overview
 */
function summaryText(overview) {
  return `${plural(overview.experiments.length, "experiment")} · ${plural(overview.sessions, "session")} under `;
}

/**
 * An experiment's card; `card.update(experiment)` refreshes its numbers in place.
 * @param {ExperimentOverview} experiment
 * @returns {HTMLElement & { update: (next: ExperimentOverview) => void }}
 */
function experimentCard(experiment) {
  // Every chart point leads to the sessions behind it (and the step's groups).
  /**
   * @param {number} step
   * @param {Record<string, string>} [extra]
   */
  const go = (step, extra = {}) => {
    location.hash = sessionsLink({ experiment: experiment.experiment, step, ...extra });
  };
  const facts = h("p", { class: "muted facts-line" }, factsText(experiment));
  /** @type {[string, string, HTMLElement & { update: (steps: StepStats[]) => void }][]} */
  const charts = [
    ["Reward per step", "(mean; p25–p75 and min–max bands; sessions as bars)", rewardChart(experiment.steps, go)],
    ["Groups with zero reward variance", "(share per step: groups whose rollouts all got the same reward teach nothing)", zeroVarianceChart(experiment.steps, go)],
    ["Error rate", "(errored of finished sessions)", errorRateChart(experiment.steps, (/** @type {number} */ step) => go(step, { status: "errored" }))],
    ["Iterations per step", "(mean per session)", iterationsChart(experiment.steps, go)],
    ["Tokens per session", "(mean, root calls and sub-model calls)", tokensChart(experiment.steps, go)],
  ];
  let table = stepsTable(experiment);
  const card = /** @type {HTMLElement & { update: (next: ExperimentOverview) => void }} */ (h(
    "section",
    { class: "card experiment", "data-experiment": experiment.experiment },
    h("div", { class: "card-head" },
      h("h2", null, experiment.experiment),
      h("a", { class: "button", href: sessionsLink({ experiment: experiment.experiment }) }, "All sessions →"),
    ),
    facts,
    h("div", { class: "charts" },
      charts.map(([title, note, box]) => h("figure", { "data-chart": title }, h("figcaption", null, `${title} `, h("span", { class: "muted" }, note)), box)),
      h("p", { class: "muted small chart-note" }, "Amber rings mark partial steps: sessions still running, figures still moving. Forced sessions are left out."),
    ),
    table,
  ));
  card.update = (next) => {
    facts.textContent = factsText(next);
    for (const [, , box] of charts) box.update(next.steps);
    const fresh = stepsTable(next);
    table.replaceWith(fresh);
    table = fresh;
  };
  return card;
}

/**
 * @param {ExperimentOverview} experiment
 */
function factsText(experiment) {
  const steps = experiment.steps;
  const first = steps[0]?.step;
  const last = steps[steps.length - 1]?.step;
  return `${plural(experiment.sessions, "session")} · ${plural(experiment.instances, "instance")} · ` +
    `${steps.length === 1 ? `step ${first}` : `steps ${first}–${last}`} · ${experiment.models.join(", ") || "unknown model"} · ` +
    `${fmtTime(experiment.firstStartedAt)} → ${fmtTime(experiment.lastEndedAt)} UTC`;
}

/**
 * @param {ExperimentOverview} experiment
 */
function stepsTable(experiment) {
  // The track spans [0, 1], widened when rewards fall outside it.
  const rewarded = experiment.steps.filter((s) => s.rewardMean !== null);
  const bounds = {
    lo: Math.min(0, ...rewarded.map((s) => s.rewardMin ?? 0)),
    hi: Math.max(1, ...rewarded.map((s) => s.rewardMax ?? 1)),
  };
  const rows = experiment.steps.map((s) =>
    h("tr", { class: `clickable ${s.partial ? "partial" : ""}`, "data-step": s.step, onclick: () => (location.hash = sessionsLink({ experiment: experiment.experiment, step: s.step })) },
      h("td", { class: "num" }, h("a", { href: sessionsLink({ experiment: experiment.experiment, step: s.step }) }, `step ${s.step}`),
        s.partial ? [" ", partialBadge()] : null),
      h("td", { class: "num" }, fmtInt(s.sessions)),
      h("td", { class: "num" }, fmtInt(s.completed)),
      h("td", { class: "num" }, s.errored > 0 ? h("span", { class: "bad" }, fmtInt(s.errored)) : "0"),
      h("td", { class: "num" }, s.incomplete > 0 ? `${s.live} live · ${s.incomplete - s.live} unfinished` : "0"),
      h("td", { class: "num", "data-testid": "forced" }, s.forced > 0 ? `${fmtInt(s.forced)} · mean ${fmtMean(s.forcedRewardMean)}` : "0"),
      h("td", { class: "num" }, rewardCell(s.rewardMean === null ? null : Number(s.rewardMean.toFixed(3)))),
      h("td", { class: "reward-bar-cell" }, rewardBar(s, bounds)),
      h("td", { class: "num", "data-testid": "zero-variance" }, s.zeroVarianceShare === null ? "—" : `${Math.round(s.zeroVarianceShare * 100)} % of ${s.groups}`),
      h("td", { class: "num" }, s.errorRate === null ? "—" : `${Math.round(s.errorRate * 100)} %`),
      h("td", { class: "num" }, fmtMean(s.iterationsMean)),
      h("td", { class: "num" }, s.inputTokensMean === null ? "—" : `${fmtInt(Math.round(s.inputTokensMean))} / ${fmtInt(Math.round(s.outputTokensMean ?? 0))}`),
    ),
  );
  return h("table", { class: "table steps-table" },
    h("thead", null, h("tr", null,
      h("th", { class: "num" }, "Step"), h("th", { class: "num" }, "Sessions"), h("th", { class: "num" }, "Completed"),
      h("th", { class: "num" }, "Errored"), h("th", { class: "num" }, "Incomplete"),
      h("th", { class: "num", title: "forced sessions: counted, but left out of every figure to the right" }, "Forced (apart)"),
      h("th", { class: "num" }, "Mean reward"), h("th", null, "Min – max"),
      h("th", { class: "num", title: "groups (instances with two or more rewards) whose rewards are all equal" }, "Zero variance"),
      h("th", { class: "num" }, "Error rate"), h("th", { class: "num" }, "Mean iterations"), h("th", { class: "num" }, "Tokens in / out"),
    )),
    h("tbody", null, rows),
  );
}

/** "partial": the step has sessions still running, its figures will change. */
function partialBadge() {
  return h("span", { class: "badge status-live", title: "sessions of this step are still running: its figures will change" }, "partial");
}

/**
 * The min–max range and mean of a step's rewards, drawn on a track from `lo` to `hi`.
 * @param {StepStats} s
 * @param {{ lo: number, hi: number }} bounds
 */
function rewardBar(s, { lo, hi }) {
  const mean = s.rewardMean;
  if (mean === null) return h("span", { class: "muted" }, "no reward");
  // A step with a mean has a minimum and a maximum.
  const min = s.rewardMin ?? mean;
  const max = s.rewardMax ?? mean;
  const clamp = (/** @type {number} */ x) => ((x - lo) / (hi - lo)) * 100;
  return h("div", { class: "range", title: `min ${fmtMean(min)} · mean ${fmtMean(mean)} · max ${fmtMean(max)}` },
    h("div", { class: "range-span", style: { left: `${clamp(min)}%`, width: `${Math.max(0.8, clamp(max) - clamp(min))}%` } }),
    h("div", { class: "range-mean", style: { left: `${clamp(mean)}%` } }),
    h("span", { class: "range-label" }, `${fmtMean(min)} – ${fmtMean(max)}`),
  );
}
