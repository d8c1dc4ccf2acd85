// Page 4: one task instance across training steps. Every logged session of the instance,
// ordered by step, side by side; then two chosen sessions compared iteration by iteration.
import { api } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtSeconds, plural } from "../lib/format.js";
import { instanceLink, sessionLink, sessionsLink } from "../lib/links.js";
import { rewardChart } from "../lib/charts.js";
import { diffStats, splitDiff } from "../lib/diff-view.js";
import { pager, rewardCell, statusBadge } from "../lib/widgets.js";

const COMPARE_PAGE = 10;

/** Renders the instance page for `params.experiment` and `params.instance`. */
export async function instancePage(root, params) {
  const experiment = params.get("experiment") ?? "";
  const instance = params.get("instance") ?? "";
  setTitle(`${instance} across steps`);
  const data = await api("instance", { experiment, instance });
  const rows = data.rows;
  if (rows.length === 0) {
    fill(root, h("div", { class: "empty" }, "No session of this instance in this experiment."));
    return {};
  }
  // Compare the first and last step by default, or the session the user came from.
  const focus = params.get("focus");
  const a = params.get("a") ?? rows[0].relPath;
  const lastCompleted = [...rows].reverse().find((row) => row.status === "completed") ?? rows[rows.length - 1];
  const b = params.get("b") ?? (focus && focus !== a ? focus : lastCompleted.relPath);
  const compareOffset = Math.max(0, Number(params.get("coffset") ?? 0) || 0);
  const state = { experiment, instance, a, b, focus, compareOffset };

  const steps = stepStats(rows);
  const compareBox = h("section", { class: "card compare", "data-testid": "compare" });
  fill(root, 
    h("div", { class: "page-head" },
      h("div", { class: "crumbs muted" }, h("a", { href: sessionsLink({ experiment }) }, experiment), " › instance"),
      h("h1", { class: "mono", "data-testid": "instance-title" }, instance),
      h("p", { class: "muted" }, `${plural(rows.length, "session")} across ${plural(steps.length, "training step")} · the strategy at each step, side by side`)),
    h("section", { class: "card" },
      h("h2", null, "Reward by step"),
      rewardChart(steps, (step) => {
        document.querySelector(`.step-column[data-step="${step}"]`)?.scrollIntoView({ inline: "center", block: "nearest" });
      }, 180)),
    h("section", { class: "card" },
      h("div", { class: "section-head" }, h("h2", null, "Sessions by step"), h("span", { class: "muted small" }, "Pick A and B to compare below")),
      h("div", { class: "columns", "data-testid": "step-columns" }, rows.map((row) => stepColumn(row, state)))),
    compareBox,
  );
  await renderCompare(compareBox, state, rows);
  // New or changed sessions of this instance redraw the page; other changes leave it alone.
  const signature = (list) => list.map((r) => `${r.relPath}:${r.status}:${r.sizeBytes}`).join("|");
  return {
    async refresh() {
      const next = await api("instance", { experiment, instance });
      if (signature(next.rows) !== signature(rows)) await instancePage(root, params);
    },
  };
}

function stepStats(rows) {
  const bySteps = new Map();
  for (const row of rows) {
    if (!bySteps.has(row.trainingStep)) bySteps.set(row.trainingStep, []);
    bySteps.get(row.trainingStep).push(row);
  }
  return [...bySteps].map(([step, list]) => {
    const rewards = list.map((r) => r.reward).filter((r) => r !== null);
    return {
      step,
      sessions: list.length,
      rewardMean: rewards.length ? rewards.reduce((x, y) => x + y, 0) / rewards.length : null,
      rewardMin: rewards.length ? Math.min(...rewards) : null,
      rewardMax: rewards.length ? Math.max(...rewards) : null,
    };
  });
}

function stepColumn(row, state) {
  const pick = (side) =>
    h("a", {
      class: `pick ${state[side] === row.relPath ? "picked" : ""}`,
      href: instanceLink(state.experiment, state.instance, { focus: state.focus, a: state.a, b: state.b, [side]: row.relPath }),
      title: `Compare as ${side.toUpperCase()}`,
      "data-testid": `pick-${side}`,
    }, side.toUpperCase());
  return h("div", { class: `step-column ${row.relPath === state.focus ? "focused" : ""}`, "data-step": row.trainingStep, "data-path": row.relPath },
    h("div", { class: "step-column-head" }, h("span", { class: "step-label" }, `Step ${row.trainingStep}`), h("span", { class: "picks" }, pick("a"), pick("b"))),
    h("div", { class: "step-reward" }, rewardCell(row.reward, "reward big")),
    h("div", { class: "step-facts" }, statusBadge(row.status), ` ${plural(row.iterations, "iteration")} · ${fmtSeconds(row.durationSeconds)}`),
    sketchView(row.sketch),
    h("div", { class: "block-label" }, "Final answer"),
    h("pre", { class: "text answer clamp" }, row.error !== null ? `error: ${row.error}` : (row.finalAnswer ?? "—")),
    h("a", { class: "small", href: sessionLink(row.relPath) }, "Open trajectory →"),
  );
}

/** One mark per iteration (red top: a code error, green: the final answer), then the opening line. */
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

async function renderCompare(box, state, rows) {
  const data = await api("compare", { focus: state.focus, a: state.a, b: state.b, offset: state.compareOffset, limit: COMPARE_PAGE });
  const label = (row) => `step ${row.trainingStep} · ${row.sessionId.slice(-12)}`;
  const select = (side) =>
    h("select", {
      "aria-label": `session ${side.toUpperCase()}`,
      name: side,
      onchange: (event) => {
        location.hash = instanceLink(state.experiment, state.instance, { focus: state.focus, a: state.a, b: state.b, [side]: event.target.value });
      },
    }, rows.map((row) => h("option", { value: row.relPath, selected: row.relPath === state[side] }, label(row))));
  const sideHead = (row, side) =>
    h("div", { class: `compare-side side-${side}` },
      h("span", { class: "side-tag" }, side.toUpperCase()), select(side), " ",
      rewardCell(row.reward), ` · ${plural(row.iterations, "iteration")} · `, statusBadge(row.status), " ",
      h("a", { class: "small", href: sessionLink(row.relPath) }, "open"));
  fill(box, 
    h("div", { class: "section-head" }, h("h2", null, "Compare two steps, iteration by iteration")),
    h("div", { class: "compare-heads" }, sideHead(data.a, "a"), sideHead(data.b, "b")),
    data.total === 0 ? h("p", { class: "muted" }, "Neither session has an iteration.") : null,
    data.pairs.map((pair) => pairView(pair)),
    pager(data.offset, data.limit, data.total, (offset) => instanceLink(state.experiment, state.instance, { focus: state.focus, a: state.a, b: state.b, coffset: offset })),
  );
}

/** The final answers of the pair, side by side, when either side gave one. */
function answerPart(pair) {
  const a = pair.a?.finalAnswer ?? null;
  const b = pair.b?.finalAnswer ?? null;
  if (a === null && b === null) return null;
  const lines = (text, op) => (text === null ? [] : text.split("\n").map((line) => ({ op, text: line })));
  const ops = a === b ? lines(a, "same") : [...lines(a, "del"), ...lines(b, "add")];
  return h("div", { class: "compare-part" }, h("div", { class: "block-label" }, "Final answer"), splitDiff(ops));
}

function pairView(pair) {
  const side = (it) => it === null
    ? h("span", { class: "muted" }, "no such iteration")
    : [`${fmtSeconds(it.seconds)} · ${plural(it.codeBlocks, "code block")}`, it.errors > 0 ? h("span", { class: "bad" }, ` · ${plural(it.errors, "error")}`) : null,
      it.finalAnswer !== null ? h("span", { class: "good" }, " · final answer") : null];
  const part = (title, lines) => h("div", { class: "compare-part" },
    h("div", { class: "block-label" }, title, h("span", { class: "muted small" }, `  ${diffStats(lines)}`)),
    splitDiff(lines));
  return h("article", { class: "pair", "data-index": pair.index },
    h("div", { class: "pair-head" },
      h("h3", null, `Iteration ${pair.index + 1}`),
      h("div", { class: "pair-sides" }, h("div", null, "A: ", side(pair.a)), h("div", null, "B: ", side(pair.b)))),
    part("Response", pair.response),
    pair.code.length > 0 ? part("Code", pair.code) : null,
    pair.output.length > 0 ? part("Output", pair.output) : null,
    answerPart(pair),
    pair.clipped ? h("p", { class: "muted small" }, "Long texts were compared by their beginning only.") : null,
  );
}

