// Page 2: the sessions table. Filtering, sorting and paging happen on the server, so the
// table stays instant with 10,000 sessions; the whole view lives in the URL.
import { api } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtInt, fmtMean, fmtSeconds, fmtTime, plural } from "../lib/format.js";
import { groupLink, instanceLink, sessionLink, sessionsLink } from "../lib/links.js";
import { indexingNote, pager, rewardCell, statusBadge } from "../lib/widgets.js";
import { errorLine } from "../lib/error-view.js";
import { lists } from "../lib/lists.js";

/** @import { OverviewResponse, SessionListItem, SortKey, StepResponse } from "../../api-types.ts" */
/** @typedef {{ experiment: string, step: string, q: string, status: string, sort: string, order: string, offset: number }} Filters */

const PAGE_SIZE = 50;
/**
 * How each sort column of the server's list is headed; a column without one shows its key.
 * @type {Partial<Record<SortKey, { label: string, cls?: string }>>}
 */
const COLUMN_LABELS = {
  step: { label: "Step", cls: "num" },
  instance: { label: "Instance" },
  iterations: { label: "Iterations", cls: "num" },
  reward: { label: "Reward", cls: "num" },
  status: { label: "State" },
  started: { label: "Started (UTC)" },
  duration: { label: "Duration", cls: "num" },
};

/**
 * Renders the sessions page for the filters in `params`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 */
export async function sessionsPage(root, params) {
  /** @type {Filters} */
  const filters = {
    experiment: params.get("experiment") ?? "",
    step: params.get("step") ?? "",
    q: params.get("q") ?? "",
    status: params.get("status") ?? "",
    sort: params.get("sort") ?? "step",
    order: params.get("order") ?? "asc",
    offset: Number(params.get("offset") ?? 0) || 0,
  };
  setTitle(filters.step !== "" ? `Step ${filters.step} sessions` : "Sessions");
  const overview = await api("overview");
  const tableBox = h("div", { class: "table-box" });
  const countLine = h("p", { class: "muted", "data-testid": "session-count" });
  const note = h("div", { class: "indexing-box" });

  const loadTable = async () => {
    const page = await api("sessions", { ...filters, limit: PAGE_SIZE });
    countLine.textContent = `${plural(page.total, "session")} match${page.indexing === null ? "" : " so far"}`;
    fill(note, indexingNote(page.indexing));
    fill(tableBox, sessionsTable(page.rows, filters), pager(page.offset, page.limit, page.total, (offset) => sessionsLink({ ...filters, offset })));
  };

  const groupsBox = filters.step !== "" && filters.experiment !== "" ? h("section", { class: "card", "data-testid": "step-groups" }) : null;
  const loadGroups = async () => {
    if (groupsBox === null) return;
    fill(groupsBox, groupsView(await api("step", { experiment: filters.experiment, step: filters.step })));
  };
  // The page appears whole: the step's groups and the table are loaded before it is shown.
  await Promise.all([loadGroups(), loadTable()]);
  fill(root, 
    h("div", { class: "page-head" },
      h("h1", null, filters.step !== "" ? `Sessions of step ${filters.step}` : "Sessions"),
      countLine,
      note,
    ),
    groupsBox,
    filterBar(filters, overview, loadTable),
    tableBox,
  );
  return { refresh: async () => Promise.all([loadTable(), loadGroups()]) };
}

/**
 * The step's groups (rollouts of one instance): zero-variance ones first, each linked to its page.
 * @param {StepResponse} data
 */
function groupsView(data) {
  const zero = data.groups.filter((g) => g.zeroVariance).length;
  const counted = data.groups.filter((g) => g.rewarded >= 2).length;
  return [
    h("div", { class: "section-head" },
      h("h2", null, `Groups of step ${data.step}`),
      h("span", { class: "muted", "data-testid": "zero-variance-count" },
        counted === 0 ? "no group with two rewards yet" : `${zero} of ${plural(counted, "group")} with zero reward variance (no learning signal)`)),
    h("div", { class: "group-chips" }, data.groups.map((g) =>
      h("a", {
        class: `group-chip ${g.zeroVariance ? "zero" : ""}`,
        href: groupLink(data.experiment, data.step, g.instanceId),
        "data-instance": g.instanceId,
        title: `${plural(g.rollouts, "rollout")} · mean ${fmtMean(g.mean)} · std ${fmtMean(g.std)}${g.forced ? ` · ${g.forced} forced` : ""}${g.partial ? " · still running" : ""}`,
      }, h("span", { class: "mono" }, g.instanceId), ` ${g.rollouts}× · ${fmtMean(g.mean)}`, g.zeroVariance ? " · =" : ""))),
  ];
}

/**
 * @param {Filters} filters
 * @param {OverviewResponse} overview
 * @param {() => Promise<void>} reloadTable
 */
function filterBar(filters, overview, reloadTable) {
  /**
   * @param {Partial<Filters>} change
   */
  const go = (change) => {
    location.hash = sessionsLink({ ...filters, ...change, offset: 0 });
  };
  const experiments = overview.experiments.map((e) => e.experiment);
  const stepsOf = filters.experiment === ""
    ? [...new Set(overview.experiments.flatMap((e) => e.steps.map((s) => s.step)))].sort((a, b) => a - b)
    : (overview.experiments.find((e) => e.experiment === filters.experiment)?.steps.map((s) => s.step) ?? []);
  // A step asked for in the URL stays selectable even before any of its sessions exists.
  if (filters.step !== "" && !stepsOf.includes(Number(filters.step))) stepsOf.push(Number(filters.step));
  /**
   * @param {string} name
   * @param {string} value
   * @param {(string | number)[][]} options
   * @param {(value: string) => void} onChange
   */
  const select = (name, value, options, onChange) =>
    h("select", { name, "aria-label": name, onchange: (/** @type {Event} */ event) => onChange(/** @type {HTMLSelectElement} */ (event.target).value) },
      options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const search = h("input", {
    type: "search",
    name: "q",
    placeholder: "Search instance, session id, final answer…",
    value: filters.q,
    spellcheck: "false",
    oninput: (/** @type {Event} */ event) => {
      clearTimeout(timer);
      const value = /** @type {HTMLInputElement} */ (event.target).value;
      // Typing updates the table in place, so the field keeps its focus.
      timer = setTimeout(() => {
        Object.assign(filters, { q: value, offset: 0 });
        history.replaceState(null, "", sessionsLink(filters));
        reloadTable();
      }, 300);
    },
  });
  return h("div", { class: "filters" },
    h("label", null, "Experiment", select("experiment", filters.experiment, [["", "All"], ...experiments.map((e) => [e, e])], (v) => go({ experiment: v, step: "" }))),
    h("label", null, "Step", select("step", filters.step, [["", "All"], ...stepsOf.map((s) => [s, `step ${s}`])], (v) => go({ step: v }))),
    h("label", null, "State", select("status", filters.status, [["", "All"], ...lists().statuses.map((s) => [s, s])], (v) => go({ status: v }))),
    h("label", { class: "grow" }, "Search", search),
  );
}

/**
 * @param {SessionListItem[]} rows
 * @param {Filters} filters
 */
function sessionsTable(rows, filters) {
  const columns = lists().sortKeys.map((key) => ({ key, label: COLUMN_LABELS[key]?.label ?? key, cls: COLUMN_LABELS[key]?.cls }));
  const head = columns.map((column) => {
    const active = filters.sort === column.key;
    const order = active && filters.order === "asc" ? "desc" : "asc";
    return h("th", { class: column.cls, "aria-sort": active ? (filters.order === "asc" ? "ascending" : "descending") : null },
      h("a", { class: `sort ${active ? "active" : ""}`, href: sessionsLink({ ...filters, sort: column.key, order, offset: 0 }) },
        column.label, active ? (filters.order === "asc" ? " ▲" : " ▼") : ""));
  });
  head.push(h("th", null, "Final answer"), h("th", null, ""));
  // Across experiments, say which one each row belongs to.
  const allExperiments = filters.experiment === "";
  if (allExperiments) head.splice(1, 0, h("th", null, "Experiment"));
  if (rows.length === 0) {
    return h("div", { class: "empty" }, "No session matches these filters.");
  }
  return h("table", { class: "table sessions-table" },
    h("thead", null, h("tr", null, head)),
    h("tbody", null, rows.map((row) =>
      h("tr", { class: "clickable", "data-path": row.relPath, onclick: (/** @type {MouseEvent} */ event) => {
        if (/** @type {Element} */ (event.target).closest("a")) return;
        location.hash = sessionLink(row.relPath);
      } },
        h("td", { class: "num" }, String(row.trainingStep)),
        allExperiments ? h("td", { class: "nowrap muted" }, row.experiment) : null,
        h("td", { class: "mono" }, h("a", { href: sessionLink(row.relPath) }, row.instanceId)),
        h("td", { class: "num" }, fmtInt(row.iterations)),
        h("td", { class: "num" }, rewardCell(row.reward)),
        h("td", null, statusBadge(row.status)),
        h("td", { class: "nowrap" }, fmtTime(row.startedAt)),
        h("td", { class: "num" }, fmtSeconds(row.durationSeconds)),
        h("td", { class: "answer-cell", title: row.error ?? row.finalAnswer ?? "" }, row.error !== null ? errorLine(row.error) : (row.finalAnswer ?? "")),
        h("td", { class: "nowrap" }, h("a", { class: "small", href: groupLink(row.experiment, row.trainingStep, row.instanceId) }, "group"), " · ",
          h("a", { class: "small", href: instanceLink(row.experiment, row.instanceId) }, "across steps →")),
      ))),
  );
}
