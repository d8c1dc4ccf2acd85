// Showing a line diff side by side: the first session's lines on the left, the second's on
// the right, removed and added lines paired row by row.
import { h } from "./dom.js";

/** @import { DiffLine } from "../../api-types.ts" */

/**
 * @param {DiffLine[]} lines
 * @returns {HTMLElement}
 */
export function splitDiff(lines) {
  /** @type {[DiffLine | null, DiffLine | null][]} */
  const rows = [];
  /** @type {DiffLine[]} */
  let dels = [];
  /** @type {DiffLine[]} */
  let adds = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push([dels[i] ?? null, adds[i] ?? null]);
    dels = [];
    adds = [];
  };
  for (const line of lines) {
    if (line.op === "same") {
      flush();
      rows.push([line, line]);
    } else if (line.op === "del") dels.push(line);
    else adds.push(line);
  }
  flush();
  if (rows.length === 0) return h("div", { class: "muted small diff-empty" }, "(empty on both sides)");
  return h("div", { class: "diff" },
    rows.map(([left, right]) => [cell(left, "left"), cell(right, "right")]));
}

/**
 * @param {DiffLine | null} line
 * @param {"left" | "right"} side
 */
function cell(line, side) {
  if (line === null) return h("div", { class: `diff-cell diff-none ${side}` }, "");
  return h("div", { class: `diff-cell diff-${line.op} ${side}` }, line.text === "" ? " " : line.text);
}

/**
 * How much two texts differ: "identical", or counts of changed lines.
 * @param {DiffLine[]} lines
 * @returns {string}
 */
export function diffStats(lines) {
  const del = lines.filter((l) => l.op === "del").length;
  const add = lines.filter((l) => l.op === "add").length;
  return del + add === 0 ? "identical" : `−${del} +${add}`;
}
