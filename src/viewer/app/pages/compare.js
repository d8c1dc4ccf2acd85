// Any two sessions compared: the best and the worst of a group, one instance against another.
// Either side can be changed by pasting a session path or picking from a search of sessions.
import { api } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { compareLink } from "../lib/links.js";
import { renderCompare } from "../lib/compare-view.js";

/**
 * Renders the compare page for `params.a` and `params.b`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 */
export async function comparePage(root, params) {
  const a = params.get("a") ?? "";
  const b = params.get("b") ?? "";
  const offset = Math.max(0, Number(params.get("coffset") ?? 0) || 0);
  setTitle("Compare two sessions");
  const box = h("section", { class: "card compare", "data-testid": "compare" });
  fill(root,
    h("div", { class: "page-head" }, h("h1", null, "Compare two sessions"),
      h("p", { class: "muted" }, "Any two sessions, of any instance or step. Change a side by picking another session.")),
    h("div", { class: "card pickers" }, picker("a", a, b), picker("b", a, b)),
    box);
  if (a === "" || b === "") {
    fill(box, h("p", { class: "muted" }, "Pick two sessions to compare."));
    return {};
  }
  await renderCompare(box, { a, b, offset, pageHref: (o) => compareLink(a, b, { coffset: o }) });
  return {};
}

/**
 * A search box over sessions (instance, session id, final answer) that sets one side.
 * @param {"a" | "b"} side
 * @param {string} a
 * @param {string} b
 */
function picker(side, a, b) {
  const list = h("ul", { class: "picker-list" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const input = h("input", {
    type: "search",
    name: `pick-${side}`,
    placeholder: `Session ${side.toUpperCase()}: type an instance or session id…`,
    spellcheck: "false",
    oninput: (/** @type {Event} */ event) => {
      clearTimeout(timer);
      const text = /** @type {HTMLInputElement} */ (event.target).value;
      timer = setTimeout(async () => {
        const q = text.trim();
        if (q === "") {
          fill(list);
          return;
        }
        const page = await api("sessions", { q, limit: 8, sort: "step", order: "desc" });
        fill(list, page.rows.map((row) =>
          h("li", null, h("a", { href: compareLink(side === "a" ? row.relPath : a, side === "b" ? row.relPath : b) },
            `${row.instanceId} · step ${row.trainingStep} · ${row.sessionId}`))));
      }, 250);
    },
  });
  return h("label", { class: "picker" }, h("span", { class: "side-tag" }, side.toUpperCase()),
    h("span", { class: "mono small muted" }, (side === "a" ? a : b) || "none"), input, list);
}
