// Full-text search over responses, code, stdout, stderr and final answers. The server streams
// results as it finds them (JSON lines); they appear here one by one, and a new query or
// leaving the page cancels the search in progress.
import { apiUrl } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtInt, plural } from "../lib/format.js";
import { groupLink, searchLink, sessionLink } from "../lib/links.js";
import { rewardCell } from "../lib/widgets.js";
import { lists } from "../lib/lists.js";

/** @typedef {import("../../api-types.ts").SearchHit} SearchHit */
/** @typedef {import("../../api-types.ts").SearchEnd} SearchEnd */
/** @typedef {import("../../api-types.ts").SearchProgress} SearchProgress */

/** How each search field of the server's list is named in the "In" menu; others show their key. */
const FIELD_LABELS = { response: "responses", code: "code", stdout: "stdout", stderr: "stderr", final_answer: "final answers" };
const KEYS = ["q", "experiment", "step", "instance", "minReward", "maxReward", "fields"];

/**
 * Renders the search page for the query in `params`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 */
export async function searchPage(root, params) {
  /** @type {Record<string, string>} */
  const query = Object.fromEntries(KEYS.map((key) => [key, params.get(key) ?? ""]));
  setTitle(query.q ? `Search: ${query.q}` : "Search");
  const status = h("p", { class: "muted", "data-testid": "search-status", role: "status" });
  const results = h("ol", { class: "search-results", "data-testid": "search-results" });
  /** @type {AbortController | null} */
  let controller = null;
  const cancel = h("button", { class: "button", type: "button", hidden: true, onclick: () => controller?.abort() }, "Cancel");

  /**
   * @param {string} key
   * @param {string} label
   * @param {Record<string, string>} [attrs]
   */
  const input = (key, label, attrs = {}) => h("label", null, label,
    h("input", { type: "search", name: key, value: query[key], spellcheck: "false", ...attrs }));
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "filters", onsubmit: (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = searchLink(Object.fromEntries(KEYS.map((key) => [key, String(data.get(key) ?? "").trim()])));
  } },
    h("label", { class: "grow" }, "Text", h("input", { type: "search", name: "q", value: query.q, placeholder: "Text in responses, code, output, final answers…", spellcheck: "false", "data-testid": "search-input" })),
    h("label", null, "In", h("select", { name: "fields" }, [["", "all texts"], ...lists().searchFields.map((f) => [f, FIELD_LABELS[f] ?? f])].map(([v, label]) => h("option", { value: v, selected: v === query.fields }, label)))),
    input("experiment", "Experiment", { placeholder: "any" }),
    input("step", "Step", { placeholder: "any" }),
    input("instance", "Instance", { placeholder: "any" }),
    input("minReward", "Min reward", { placeholder: "—" }),
    input("maxReward", "Max reward", { placeholder: "—" }),
    h("button", { class: "button primary", type: "submit" }, "Search"),
    cancel,
  ));
  fill(root, h("div", { class: "page-head" }, h("h1", null, "Search"),
    h("p", { class: "muted" }, "Case-insensitive, over every iteration of every session; results arrive as they are found.")), form, status, results);
  if (query.q === "") {
    status.textContent = "Type a text to look for.";
    return {};
  }
  const running = new AbortController();
  controller = running;
  // Leaving the page stops the search on the server too.
  window.addEventListener("hashchange", () => running.abort(), { once: true });
  cancel.hidden = false;
  status.textContent = "Searching…";
  let count = 0;
  try {
    const response = await fetch(apiUrl("search", query), { signal: running.signal });
    if (!response.ok) {
      const body = await response.json().catch(() => ({ error: response.statusText }));
      status.textContent = `Could not search: ${body.error}`;
      return {};
    }
    if (response.body === null) throw new Error("the search answered without a body");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let nl;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        /** @type {SearchHit | SearchProgress | SearchEnd} */
        const message = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if ("done" in message) {
          status.textContent = endText(message);
        } else if ("progress" in message) {
          status.textContent = `Searching… ${fmtInt(message.progress.sessionsSearched)} of ${plural(message.progress.sessionsTotal, "session")}, ${plural(message.progress.results, "result")} so far`;
        } else {
          count++;
          results.append(hitView(message));
        }
      }
    }
  } catch (error) {
    if (running.signal.aborted) status.textContent = `Cancelled after ${plural(count, "result")}.`;
    else throw error;
  } finally {
    cancel.hidden = true;
  }
  return {};
}

/** @param {SearchEnd} end */
function endText(end) {
  const where = `${fmtInt(end.sessionsSearched)} of ${plural(end.sessionsTotal, "session")} searched`;
  return end.capped ? `${plural(end.results, "result")} (the first ones; refine the query to see others) · ${where}` : `${plural(end.results, "result")} · ${where}`;
}

/** One result: where it is, and the text around the match with the match marked. @param {SearchHit} hit */
function hitView(hit) {
  const before = hit.excerpt.slice(0, hit.matchStart);
  const match = hit.excerpt.slice(hit.matchStart, hit.matchEnd);
  const after = hit.excerpt.slice(hit.matchEnd);
  return h("li", { class: "search-hit", "data-path": hit.path, "data-field": hit.field },
    h("div", { class: "search-hit-head" },
      h("a", { class: "mono", href: sessionLink(hit.path, { line: hit.line }), "data-testid": "hit-link" }, `${hit.instanceId} · step ${hit.step} · iteration ${hit.iteration}`),
      h("span", { class: "chip" }, hit.field.replace("_", " ")),
      rewardCell(hit.reward),
      h("span", { class: "muted small" }, hit.experiment), " ",
      h("a", { class: "small", href: groupLink(hit.experiment, hit.step, hit.instanceId) }, "group")),
    h("pre", { class: "text excerpt" }, before, h("mark", null, match), after));
}
