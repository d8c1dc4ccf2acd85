// Two sessions compared iteration by iteration: the response, the code, its output and the
// final answer as side-by-side line diffs. Any two sessions: of one instance across steps, of
// one group, or of two different instances.
import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { fmtSeconds, plural } from "./format.js";
import { groupLink, sessionLink } from "./links.js";
import { diffStats, splitDiff } from "./diff-view.js";
import { pager, rewardCell, statusBadge } from "./widgets.js";
import { errorLine } from "./error-view.js";

/** @import { CompareResponse, ComparedIteration, ComparedPair, DiffLine, SessionListItem } from "../../api-types.ts" */

const COMPARE_PAGE = 10;

/**
 * Fills `box` with sessions `a` and `b` compared, from iteration `offset` on.
 * @param {HTMLElement} box
 * @param {{ a: string, b: string, offset: number, pageHref: (offset: number) => string, control?: (side: "a" | "b", row: SessionListItem) => Node | null, title?: string }} options
 */
export async function renderCompare(box, options) {
  /** @type {CompareResponse} */
  const data = await api("compare", { a: options.a, b: options.b, offset: options.offset, limit: COMPARE_PAGE });
  /**
   * @param {SessionListItem} row
   * @param {"a" | "b"} side
   */
  const sideHead = (row, side) =>
    h("div", { class: `compare-side side-${side}`, "data-testid": `side-${side}` },
      h("span", { class: "side-tag" }, side.toUpperCase()),
      options.control ? options.control(side, row) : h("a", { class: "mono", href: sessionLink(row.relPath) }, `${row.instanceId} · step ${row.trainingStep}`),
      " ", rewardCell(row.reward), ` · ${plural(row.iterations, "iteration")} · `, statusBadge(row.status), " ",
      h("a", { class: "small", href: sessionLink(row.relPath) }, "open"), " · ",
      h("a", { class: "small", href: groupLink(row.experiment, row.trainingStep, row.instanceId) }, "group"),
      row.error !== null ? errorLine(row.error) : null);
  fill(box,
    h("div", { class: "section-head" }, h("h2", null, options.title ?? "Compare, iteration by iteration")),
    h("div", { class: "compare-heads" }, sideHead(data.a, "a"), sideHead(data.b, "b")),
    data.total === 0 ? h("p", { class: "muted" }, "Neither session has an iteration.") : null,
    data.pairs.map((pair) => pairView(pair)),
    pager(data.offset, data.limit, data.total, options.pageHref),
  );
  return data;
}

/**
 * The final answers of the pair, side by side, when either side gave one.
 * @param {ComparedPair} pair
 */
function answerPart(pair) {
  const a = pair.a?.finalAnswer ?? null;
  const b = pair.b?.finalAnswer ?? null;
  if (a === null && b === null) return null;
  /**
   * @param {string | null} text
   * @param {"same" | "del" | "add"} op
   * @returns {DiffLine[]}
   */
  const lines = (text, op) => (text === null ? [] : text.split("\n").map((line) => ({ op, text: line })));
  const ops = a === b ? lines(a, "same") : [...lines(a, "del"), ...lines(b, "add")];
  return h("div", { class: "compare-part" }, h("div", { class: "block-label" }, "Final answer"), splitDiff(ops));
}

/** @param {ComparedPair} pair */
function pairView(pair) {
  /**
   * @param {ComparedIteration | null} it
   */
  const side = (it) => it === null
    ? h("span", { class: "muted" }, "no such iteration")
    : [`${fmtSeconds(it.seconds)} · ${plural(it.codeBlocks, "code block")}`, it.errors > 0 ? h("span", { class: "bad" }, ` · ${plural(it.errors, "error")}`) : null,
      it.finalAnswer !== null ? h("span", { class: "good" }, " · final answer") : null];
  /**
   * @param {string} title
   * @param {DiffLine[]} lines
   */
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
