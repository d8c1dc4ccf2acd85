// A session's error shown as an error: its name and message as a heading, its stack as
// preformatted text with its own line breaks, apart from any final answer.
import { h } from "./dom.js";

/** @typedef {import("../../api-types.ts").ErrorFacts} ErrorFacts */

/**
 * @param {ErrorFacts | null} facts from the API (`errorFacts`)
 * @returns {HTMLElement | null}
 */
export function errorView(facts) {
  if (facts === null || facts === undefined) return null;
  return h("div", { class: "error-view", role: "alert", "data-testid": "error" },
    h("div", { class: "error-heading" }, h("span", { class: "error-tag" }, "Error"), facts.heading),
    facts.stack !== null ? h("details", { class: "error-stack", open: true }, h("summary", null, "Stack"), h("pre", { class: "text stack" }, facts.stack)) : null);
}

/**
 * A row's one-line error (tables, cards): apart from the answer, marked as an error.
 * @param {string} text
 * @returns {HTMLElement}
 */
export function errorLine(text) {
  return h("div", { class: "error-line", title: text }, h("span", { class: "error-tag" }, "Error"), text);
}
