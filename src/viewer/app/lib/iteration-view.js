// One iteration of a trajectory: prompt by role, response, code blocks with their output,
// locals and sub-model calls, final answer. Long strings arrive cut by the server; `textBlock`
// offers the whole of them.
import { h } from "./dom.js";
import { fmtInt, fmtSeconds, fmtTime, plural } from "./format.js";
import { textBlock } from "./widgets.js";
import { lists } from "./lists.js";

/** @import { CodeBlock, FinalAnswer, IterationItem, PromptMessage, RlmCall } from "../../api-types.ts" */
/** @typedef {(value: string, pointer: string, cls: string) => HTMLElement} TextOf */

/**
 * The card of one iteration from `/api/session/iterations`. Its figures (time, tokens, errors,
 * sub-model calls, whether it answered) are the server's `outline` entry, the same the timeline
 * shows: the page displays facts, it does not work them out.
 * @param {IterationItem} item
 * @param {string} path the session's path, to fetch whole strings
 */
export function iterationCard(item, path) {
  const { line, data, truncated, promptKept, outline: facts } = item;
  /**
   * @type {TextOf}
   */
  const text = (value, pointer, cls) => {
    const fullLength = truncated[pointer];
    return textBlock(value, { cls, ...(fullLength !== undefined ? { fullLength } : {}), source: { path, line, pointer } });
  };
  // Keys outside the format's iteration line (the caller's own) are shown apart.
  const known = new Set(lists().iterationKeys);
  const extra = Object.entries(data).filter(([key]) => !known.has(key));
  return h("article", { class: "card iteration", id: `line-${line}`, "data-iteration": data.iteration },
    h("header", { class: "iteration-head" },
      h("h3", null, `Iteration ${data.iteration}`),
      h("span", { class: "chips" },
        chip(fmtSeconds(facts.seconds)),
        facts.promptTokens !== null ? chip(`${fmtInt(facts.promptTokens)} → ${fmtInt(facts.completionTokens)} tokens`) : null,
        chip(plural(facts.codeBlocks, "code block")),
        facts.subCalls > 0 ? chip(plural(facts.subCalls, "sub-model call")) : null,
        facts.errors > 0 ? chip(plural(facts.errors, "error"), "chip-bad") : null,
        facts.final ? chip("final answer", "chip-good") : null,
        h("span", { class: "muted small" }, fmtTime(data.timestamp))),
    ),
    promptView(data.prompt, promptKept, text),
    h("div", { class: "block-label" }, "Response"),
    text(data.response, "/response", "response iteration-response"),
    data.code_blocks.map((block, i) => codeBlockView(block, i, text, truncated, path, line)),
    data.final_answer !== null ? finalAnswerView(data.final_answer, text) : null,
    extra.length > 0
      ? h("details", { class: "sub" }, h("summary", null, `Other fields (${extra.length})`),
          h("table", { class: "kv" }, h("tbody", null, extra.map(([key, value]) =>
            h("tr", null, h("th", { class: "mono" }, key), h("td", null, valueView(value, truncated, `/${pointerKey(key)}`, path, line)))))))
      : null,
  );
}

/**
 * The prompt, its messages new this iteration (not in the previous iteration's prompt) marked and shown first-hand.
 * @param {PromptMessage[]} prompt
 * @param {number} kept
 * @param {TextOf} text
 */
function promptView(prompt, kept, text) {
  const roles = prompt.reduce((acc, m) => acc.set(m.role, (acc.get(m.role) ?? 0) + 1), /** @type {Map<string, number>} */ (new Map()));
  const last = prompt[prompt.length - 1];
  const fresh = prompt.length - kept;
  /**
   * @param {PromptMessage} m
   * @param {number} i
   */
  const message = (m, i) =>
    h("div", { class: `message role-${/^(system|user|assistant|tool)$/.test(m.role) ? m.role : "other"}${i >= kept ? " new" : ""}` },
      h("div", { class: "role" }, m.role, i >= kept && kept > 0 ? h("span", { class: "new-tag" }, "new") : null),
      text(m.content, `/prompt/${i}/content`, "message-text"));
  return h("details", { class: "prompt" },
    h("summary", null,
      h("span", { class: "block-label inline" }, `Prompt · ${plural(prompt.length, "message")}`),
      kept > 0 ? h("span", { class: "prompt-new small" }, ` · ${fresh} new`) : null,
      h("span", { class: "muted small" }, ` ${[...roles].map(([role, n]) => `${n} ${role}`).join(", ")}`),
      last ? h("span", { class: "prompt-peek muted small" }, ` · last: ${last.role}: ${last.content.slice(0, 120).replace(/\s+/g, " ")}`) : null),
    kept > 0
      ? h("details", { class: "prompt-kept" },
          h("summary", { class: "muted small" }, `${plural(kept, "earlier message")}, as in the previous iteration`),
          prompt.slice(0, kept).map(message))
      : null,
    prompt.slice(kept).map((m, i) => message(m, kept + i)),
  );
}

/**
 * @param {CodeBlock} block
 * @param {number} i
 * @param {TextOf} text
 * @param {Record<string, number>} truncated
 * @param {string} path
 * @param {number} line
 */
function codeBlockView(block, i, text, truncated, path, line) {
  const base = `/code_blocks/${i}`;
  const r = block.result;
  const localKeys = Object.keys(r.locals);
  return h("div", { class: "code-block" },
    h("div", { class: "block-label" }, `Code block ${i + 1}`, h("span", { class: "muted small" }, ` · ran ${fmtSeconds(r.execution_time)}`)),
    text(block.code, `${base}/code`, "code"),
    r.stdout !== "" ? [h("div", { class: "stream-label" }, "stdout"), text(r.stdout, `${base}/result/stdout`, "stdout")] : h("div", { class: "stream-label muted" }, "no output"),
    r.stderr !== "" ? [h("div", { class: "stream-label bad" }, "stderr"), text(r.stderr, `${base}/result/stderr`, "stderr")] : null,
    localKeys.length > 0
      ? h("details", { class: "sub" }, h("summary", null, `Locals (${localKeys.length})`),
          h("table", { class: "kv" }, h("tbody", null, localKeys.map((key) =>
            h("tr", null, h("th", { class: "mono" }, key), h("td", null, valueView(r.locals[key], truncated, `${base}/result/locals/${pointerKey(key)}`, path, line)))))))
      : null,
    r.rlm_calls.length > 0 ? subCallsView(r.rlm_calls, base, text) : null,
    r.final_answer !== null ? h("div", { class: "final small-final" }, h("span", { class: "block-label inline" }, "Final answer from code: "), text(r.final_answer, `${base}/result/final_answer`, "answer")) : null,
  );
}

/**
 * @param {RlmCall[]} calls
 * @param {string} base
 * @param {TextOf} text
 */
function subCallsView(calls, base, text) {
  return h("div", { class: "subcalls" },
    h("div", { class: "stream-label" }, `Sub-model calls (${calls.length})`),
    h("table", { class: "table compact" },
      h("thead", null, h("tr", null, h("th", null, "#"), h("th", null, "Model"), h("th", { class: "num" }, "Prompt tokens"), h("th", { class: "num" }, "Completion tokens"), h("th", { class: "num" }, "Time"), h("th", null, ""))),
      h("tbody", null, calls.map((call, j) => {
        const detail = h("tr", { class: "subcall-detail", hidden: true },
          h("td", { colspan: 6 },
            h("div", { class: "stream-label" }, "Prompt"),
            typeof call.prompt === "string" ? text(call.prompt, `${base}/result/rlm_calls/${j}/prompt`, "message-text") : h("pre", { class: "text" }, JSON.stringify(call.prompt, null, 2)),
            h("div", { class: "stream-label" }, "Response"),
            text(call.response, `${base}/result/rlm_calls/${j}/response`, "response")));
        const toggle = h("button", { class: "link-button", type: "button", onclick: () => {
          detail.hidden = !detail.hidden;
          toggle.textContent = detail.hidden ? "show" : "hide";
        } }, "show");
        return [
          h("tr", null, h("td", null, String(j + 1)), h("td", { class: "mono" }, call.root_model), h("td", { class: "num" }, fmtInt(call.prompt_tokens)),
            h("td", { class: "num" }, fmtInt(call.completion_tokens)), h("td", { class: "num" }, fmtSeconds(call.execution_time)), h("td", null, toggle)),
          detail,
        ];
      }))),
  );
}

/**
 * @param {NonNullable<FinalAnswer>} answer
 * @param {TextOf} text
 */
function finalAnswerView(answer, text) {
  const isPair = Array.isArray(answer);
  return h("div", { class: "final" },
    h("div", { class: "block-label" }, isPair ? `Final answer (${answer[0]})` : "Final answer"),
    text(isPair ? answer[1] : answer, isPair ? "/final_answer/1" : "/final_answer", "answer"));
}

/**
 * A value of any type: strings as text (cut ones with "Show all"), the rest as indented JSON.
 * @param {unknown} value
 * @param {Record<string, number> | undefined} truncated
 * @param {string} pointer
 * @param {string} path
 * @param {number | null} [line] its line in the file; none for a value the server cannot give whole
 * @returns {HTMLElement}
 */
export function valueView(value, truncated, pointer, path, line) {
  if (typeof value === "string") {
    const fullLength = truncated?.[pointer];
    return textBlock(value, { cls: "value", ...(fullLength !== undefined ? { fullLength } : {}), ...(line ? { source: { path, line, pointer } } : {}) });
  }
  if (value === null || typeof value !== "object") return h("span", { class: "mono" }, JSON.stringify(value));
  return h("pre", { class: "text value" }, JSON.stringify(value, null, 2));
}

/**
 * @param {string} label
 * @param {string} [cls]
 */
function chip(label, cls = "") {
  return h("span", { class: `chip ${cls}` }, label);
}

/**
 * A key escaped for a JSON pointer.
 * @param {string} key
 * @returns {string}
 */
export function pointerKey(key) {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

