// Page 3: one trajectory. Header facts, metadata, a timeline of every iteration, then the
// iterations a page at a time (a 100 MB session never reaches the page whole), then the summary.
import { api, apiUrl } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtBytes, fmtInt, fmtSeconds, fmtTime, plural } from "../lib/format.js";
import { compareLink, groupLink, instanceLink, sessionLink, sessionsLink } from "../lib/links.js";
import { fact, pager, rewardCell, statusBadge } from "../lib/widgets.js";
import { errorLine, errorView } from "../lib/error-view.js";
import { iterationCard, pointerKey, valueView } from "../lib/iteration-view.js";

/** @import { SessionResponse } from "../../api-types.ts" */

const PAGE_SIZE = 10;
const SUMMARY_KEYS = new Set(["type", "timestamp", "reward", "total_steps", "total_iterations", "error", "dropped_lines"]);

/**
 * Renders the page of the session at `params.path`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 */
export async function sessionPage(root, params) {
  const path = params.get("path") ?? "";
  let from = Math.max(0, Number(params.get("from") ?? 0) || 0);
  let info = await api("session", { path });
  // A link to one line (from search) opens the page that holds it and scrolls to it.
  const lineParam = Number(params.get("line") ?? 0);
  const lineIndex = lineParam > 0 ? info.outline.findIndex((o) => o.line === lineParam) : -1;
  if (lineIndex !== -1) from = Math.floor(lineIndex / PAGE_SIZE) * PAGE_SIZE;
  setTitle(`${info.row.instanceId} · step ${info.row.trainingStep}`);

  const head = h("div");
  const timeline = h("section", { class: "card" });
  const iterations = h("section", { class: "iterations", "aria-label": "iterations" });
  const summary = h("section", { class: "card summary-card" });

  const renderInfo = () => {
    fill(head, header(info, path));
    fill(timeline, timelineView(info, from, (/** @type {number} */ index) => showPage(Math.floor(index / PAGE_SIZE) * PAGE_SIZE, index)));
    fill(summary, summaryView(info, path));
  };

  /**
   * @param {number} offset
   * @param {number} [focusIndex]
   */
  const showPage = async (offset, focusIndex) => {
    from = offset;
    history.replaceState(null, "", sessionLink(path, from > 0 ? { from } : {}));
    const page = await api("session/iterations", { path, offset: from, limit: PAGE_SIZE });
    const nav = () => pager(page.offset, page.limit, page.total, (o) => sessionLink(path, o > 0 ? { from: o } : {}));
    fill(iterations, 
      h("div", { class: "section-head" }, h("h2", null, "Iterations"), nav()),
      page.items.length === 0 ? h("div", { class: "empty" }, "No iteration logged yet.") : page.items.map((item) => iterationCard(item, path)),
      page.total > page.limit ? nav() : null,
    );
    fill(timeline, timelineView(info, from, (/** @type {number} */ index) => showPage(Math.floor(index / PAGE_SIZE) * PAGE_SIZE, index)));
    if (focusIndex !== undefined) {
      const line = info.outline[focusIndex]?.line;
      const card = document.getElementById(`line-${line}`);
      card?.classList.add("targeted");
      card?.scrollIntoView({ block: "start" });
    }
  };

  renderInfo();
  fill(root, head, metadataView(info, path), timeline, iterations, summary);
  await showPage(from, lineIndex === -1 ? undefined : lineIndex);

  return {
    async refresh() {
      const before = info;
      info = await api("session", { path });
      renderInfo();
      // New iterations that belong on the page being read are shown at once.
      const shown = Math.min(PAGE_SIZE, Math.max(0, before.iterationCount - from));
      if (info.iterationCount !== before.iterationCount && shown < PAGE_SIZE) await showPage(from);
    },
  };
}

/**
 * @param {SessionResponse} info
 * @param {string} path
 */
function header(info, path) {
  const row = info.row;
  const tokens = info.outline.reduce((sum, o) => sum + (o.promptTokens ?? 0) + (o.completionTokens ?? 0), 0);
  const subCalls = info.outline.reduce((sum, o) => sum + o.subCalls, 0);
  return h("div", { class: "page-head session-head" },
    h("div", { class: "crumbs muted" },
      h("a", { href: sessionsLink({ experiment: row.experiment }) }, row.experiment), " › ",
      h("a", { href: sessionsLink({ experiment: row.experiment, step: row.trainingStep }) }, `step ${row.trainingStep}`), " › ",
      h("span", { class: "mono" }, row.sessionId)),
    h("div", { class: "title-row" },
      h("h1", { class: "mono", "data-testid": "session-title" }, row.instanceId),
      h("div", { class: "actions" },
        h("a", { class: "button primary", href: instanceLink(row.experiment, row.instanceId, { focus: row.relPath }), "data-testid": "across-steps" }, "This instance across steps →"),
        h("a", { class: "button", href: groupLink(row.experiment, row.trainingStep, row.instanceId), "data-testid": "to-group" }, "Its group at this step"),
        h("a", { class: "button", href: compareLink(row.relPath, ""), "data-testid": "compare-with" }, "Compare with…"),
        h("a", { class: "button", href: apiUrl("raw", { path }), download: "" }, "Download .jsonl"),
      )),
    h("div", { class: "facts" },
      fact("Reward", rewardCell(row.reward, "reward big")),
      fact("State", statusBadge(row.status)),
      fact("Iterations", fmtInt(info.iterationCount)),
      fact("Duration", fmtSeconds(row.durationSeconds)),
      fact("Started (UTC)", fmtTime(row.startedAt)),
      fact("Model", row.model ?? "—"),
      fact("Tokens", tokens > 0 ? fmtInt(tokens) : "—"),
      fact("Sub-model calls", fmtInt(subCalls)),
      fact("File", fmtBytes(info.sizeBytes)),
    ),
    row.error !== null ? errorLine(row.error) : null,
    info.problemCount > 0
      ? h("div", { class: "warning-box" },
          h("strong", null, `${plural(info.problemCount, "line")} could not be read and ${info.problemCount === 1 ? "was" : "were"} skipped:`),
          h("ul", null, info.problems.map((p) => h("li", null, `line ${p.line}: ${p.message}`))))
      : null,
    info.pendingBytes > 0 ? h("p", { class: "muted" }, `${fmtBytes(info.pendingBytes)} of a line still being written (not shown yet).`) : null,
  );
}

/**
 * @param {SessionResponse} info
 * @param {string} path
 */
function metadataView(info, path) {
  const meta = info.metadata;
  if (meta === null) return h("section", { class: "card" }, h("h2", null, "Metadata"), h("p", { class: "muted" }, "This file has no metadata line."));
  const rows = Object.entries(meta)
    .filter(([key]) => key !== "type")
    .map(([key, value]) =>
      h("tr", null,
        h("th", { class: "mono" }, key),
        h("td", null, valueView(value, info.metadataTruncated, `/${pointerKey(key)}`, path, info.metadataLine))));
  return h("details", { class: "card metadata" },
    h("summary", null, h("h2", null, "Metadata"), h("span", { class: "muted" }, ` ${meta.root_model ?? ""} · max ${meta.max_iterations ?? "?"} iterations · ${meta.environment_type ?? ""}`)),
    h("table", { class: "kv" }, h("tbody", null, rows)));
}

/**
 * @param {SessionResponse} info
 * @param {number} from
 * @param {(index: number) => void} onPick
 */
function timelineView(info, from, onPick) {
  const outline = info.outline;
  const total = outline.reduce((sum, o) => sum + (o.seconds ?? 0), 0);
  const blocks = outline.map((o, index) => {
    const onPage = index >= from && index < from + PAGE_SIZE;
    const cls = ["tl-block", o.errors > 0 ? "has-error" : "", o.final ? "is-final" : "", onPage ? "on-page" : ""].join(" ");
    const title = `Iteration ${o.iteration} · ${fmtSeconds(o.seconds)} · ${plural(o.codeBlocks, "code block")}` +
      `${o.errors > 0 ? ` · ${plural(o.errors, "error")}` : ""}${o.subCalls > 0 ? ` · ${plural(o.subCalls, "sub-model call")}` : ""}${o.final ? " · final answer" : ""}`;
    const block = h("button", { class: cls, type: "button", title, "aria-label": title, onclick: () => onPick(index) },
      h("span", { class: "tl-num" }, String(o.iteration)),
      o.subCalls > 0 ? h("span", { class: "tl-sub" }, `↳${o.subCalls}`) : null);
    block.style.flexGrow = String(Math.max(0.4, o.seconds ?? 1));
    return block;
  });
  return h("div", { class: "timeline" },
    h("div", { class: "section-head" },
      h("h2", null, "Timeline"),
      h("span", { class: "muted" }, `${plural(outline.length, "iteration")} · ${fmtSeconds(total)} in iterations · width ∝ time`)),
    // Past a hundred iterations the blocks get thin and lose their numbers (the tooltip keeps them).
    outline.length === 0 ? h("p", { class: "muted" }, "No iteration yet.") : h("div", { class: outline.length > 100 ? "tl-strip dense" : "tl-strip" }, blocks),
    info.iterationCount > outline.length ? h("p", { class: "muted" }, `The timeline shows the first ${fmtInt(outline.length)} iterations.`) : null,
    h("div", { class: "tl-legend muted" },
      h("span", { class: "tl-key" }), " iteration ", h("span", { class: "tl-key has-error" }), " code error ",
      h("span", { class: "tl-key is-final" }), " final answer ", h("span", { class: "tl-key on-page" }), " on this page"),
  );
}

/**
 * @param {SessionResponse} info
 * @param {string} path
 */
function summaryView(info, path) {
  const s = info.summary;
  const row = info.row;
  if (s === null) {
    return [h("h2", null, "Summary"),
      h("p", { class: `no-summary status-${row.status}` }, row.status === "live"
        ? "No summary line yet: this session is still running. New iterations appear here as they are written."
        : `No summary line: this session never finished (last written ${fmtTime(new Date(row.mtimeMs).toISOString())} UTC).`)];
  }
  const extra = Object.entries(s).filter(([key]) => !SUMMARY_KEYS.has(key));
  return [
    h("h2", null, "Summary"),
    h("div", { class: "facts" },
      fact("Reward", rewardCell(s.reward, "reward big")),
      fact("Total steps", fmtInt(s.total_steps)),
      fact("Total iterations", fmtInt(s.total_iterations)),
      s.dropped_lines ? fact("Dropped lines", h("span", { class: "bad" }, fmtInt(s.dropped_lines))) : null,
      fact("Ended (UTC)", fmtTime(s.timestamp))),
    errorView(info.errorFacts),
    extra.length > 0
      ? h("table", { class: "kv" }, h("tbody", null, extra.map(([key, value]) =>
          h("tr", null, h("th", { class: "mono" }, key), h("td", null, valueView(value, info.summaryTruncated, `/${pointerKey(key)}`, path, info.summaryLine))))))
      : null,
  ];
}
