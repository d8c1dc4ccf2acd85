// Small pieces shared by the pages.
import { h } from "./dom.js";
import { apiText, apiUrl } from "./api.js";
import { fmtInt, fmtReward } from "./format.js";

/** @import { IndexProgress, SessionStatus } from "../../api-types.ts" */

/**
 * A state badge: completed, errored, live or unfinished.
 * @param {SessionStatus} status
 * @returns {HTMLElement}
 */
export function statusBadge(status) {
  const label = status === "live" ? "● live" : status;
  return h("span", { class: `badge status-${status}`, title: STATUS_HELP[status] ?? "" }, label);
}

/** @type {Record<SessionStatus, string>} */
const STATUS_HELP = {
  completed: "finished with a summary line",
  errored: "finished with an error",
  live: "no summary yet, written to recently: still running",
  unfinished: "no summary line and not written to recently: crashed or killed",
};

/**
 * A reward, colored on a red → green scale when it lies in [0, 1].
 * @param {number | null} reward
 * @param {string} [cls]
 * @returns {HTMLElement}
 */
export function rewardCell(reward, cls = "reward") {
  const el = h("span", { class: cls }, fmtReward(reward));
  if (typeof reward === "number") {
    const t = Math.max(0, Math.min(1, reward));
    el.dataset.level = t >= 0.75 ? "high" : t >= 0.4 ? "mid" : "low";
  }
  return el;
}

/**
 * Text shown as is, in a <pre>. When the server cut it (`fullLength` set), a note says how
 * much is shown, with "Show all" (fetched here) and "Open as text" (a plain-text tab).
 * @param {string} text
 * @param {{ cls?: string, fullLength?: number, source?: { path: string, line: number, pointer: string } }} [options]
 */
export function textBlock(text, options = {}) {
  const pre = h("pre", { class: `text ${options.cls ?? ""}` }, text);
  if (options.fullLength === undefined || options.source === undefined) return pre;
  const params = { path: options.source.path, line: options.source.line, pointer: options.source.pointer };
  const status = h("span", null, `Showing ${fmtInt(text.length)} of ${fmtInt(options.fullLength)} characters.`);
  const showAll = /** @type {HTMLButtonElement} */ (h("button", {
    class: "link-button",
    type: "button",
    onclick: async () => {
      showAll.disabled = true;
      showAll.textContent = "Loading…";
      try {
        pre.textContent = await apiText("text", params);
        status.textContent = `Showing all ${fmtInt(options.fullLength)} characters.`;
        showAll.remove();
      } catch (error) {
        showAll.textContent = `Could not load: ${error instanceof Error ? error.message : String(error)}`;
      }
    },
  }, "Show all"));
  const open = h("a", { href: apiUrl("text", params), target: "_blank", rel: "noopener" }, "Open as text");
  return h("div", { class: "truncated" }, pre, h("div", { class: "truncated-note" }, status, " ", showAll, " · ", open));
}

/**
 * "Prev · 11–20 of 312 · Next" with page links made by `hrefOf(offset)`.
 * @param {number} offset
 * @param {number} limit
 * @param {number} total
 * @param {(offset: number) => string} hrefOf
 * @returns {HTMLElement}
 */
export function pager(offset, limit, total, hrefOf) {
  if (total <= limit && offset === 0) return h("div", { class: "pager" }, total === 0 ? "" : `${fmtInt(total)} in all`);
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  const to = Math.min(total, offset + limit);
  /**
   * @param {string} label
   * @param {number} target
   * @param {boolean} enabled
   * @param {string} testId
   */
  const nav = (label, target, enabled, testId) =>
    enabled
      ? h("a", { class: "button", href: hrefOf(target), "data-testid": testId }, label)
      : h("span", { class: "button disabled" }, label);
  return h(
    "div",
    { class: "pager" },
    nav("« First", 0, offset > 0, "first-page"),
    nav("‹ Prev", Math.max(0, offset - limit), offset > 0, "prev-page"),
    h("span", { class: "pager-range" }, `${fmtInt(offset + 1)}–${fmtInt(to)} of ${fmtInt(total)}`),
    nav("Next ›", offset + limit, to < total, "next-page"),
    nav("Last »", last, offset < last, "last-page"),
  );
}

/**
 * "Indexing 3,200 of 100,000 files: …" while the server still reads the directory, else null.
 * @param {IndexProgress | null} indexing
 * @returns {HTMLElement | null}
 */
export function indexingNote(indexing) {
  if (indexing === null) return null;
  const where = indexing.listing ? `listing the directory, ${fmtInt(indexing.total)} files so far` : `${fmtInt(indexing.indexed)} of ${fmtInt(indexing.total)} files`;
  return h("p", { class: "muted indexing-note", "data-testid": "indexing", role: "status" },
    `Indexing ${where}: what is shown covers the sessions read so far and fills in as they arrive.`);
}

/**
 * A message in place of a page that could not load.
 * @param {string} message
 * @returns {HTMLElement}
 */
export function errorBox(message) {
  return h("div", { class: "error-box", role: "alert" }, message);
}

/**
 * A label and a value, for header facts.
 * @param {string} label
 * @param {unknown} value
 * @returns {HTMLElement}
 */
export function fact(label, value) {
  return h("div", { class: "fact" }, h("div", { class: "fact-label" }, label), h("div", { class: "fact-value" }, value));
}
