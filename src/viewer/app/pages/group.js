// A GRPO group: every rollout of one instance at one training step, ranked by reward, with
// the group's mean and standard deviation and each rollout's advantage. Any two can be
// compared in one click; a banner says when the group's rewards carry no signal.
import { api } from "../lib/api.js";
import { fill, h, setTitle } from "../lib/dom.js";
import { fmtInt, fmtMean, fmtSeconds, plural } from "../lib/format.js";
import { compareLink, instanceLink, sessionLink, sessionsLink } from "../lib/links.js";
import { fact, rewardCell, statusBadge } from "../lib/widgets.js";
import { errorLine } from "../lib/error-view.js";

/** @typedef {import("../../api-types.ts").GroupResponse} GroupResponse */
/** @typedef {import("../../api-types.ts").GroupRollout} GroupRollout */

/**
 * Renders the group of `params.instance` at `params.step` of `params.experiment`.
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 * @returns {Promise<import("../lib/page.js").PageHandle>}
 */
export async function groupPage(root, params) {
  const experiment = params.get("experiment") ?? "";
  const step = params.get("step") ?? "";
  const instance = params.get("instance") ?? "";
  setTitle(`${instance} · step ${step} group`);
  /** @type {GroupResponse} */
  const group = await api("group", { experiment, step, instance });
  const picked = new Set();
  const compareButton = h("a", { class: "button primary disabled", "data-testid": "compare-picked", "aria-disabled": "true" }, "Compare the two picked");
  const updateCompare = () => {
    const [a, b] = [...picked];
    const ready = picked.size === 2;
    compareButton.className = `button primary ${ready ? "" : "disabled"}`;
    if (ready) {
      compareButton.setAttribute("href", compareLink(a, b));
      compareButton.removeAttribute("aria-disabled");
    } else {
      compareButton.removeAttribute("href");
      compareButton.setAttribute("aria-disabled", "true");
    }
    compareButton.textContent = ready ? "Compare the two picked →" : `Pick two rollouts to compare (${picked.size}/2)`;
  };
  updateCompare();
  const ranked = group.rollouts.filter((r) => r.reward !== null && !r.forced);
  const best = ranked[0];
  const worst = ranked[ranked.length - 1];
  fill(root,
    h("div", { class: "page-head" },
      h("div", { class: "crumbs muted" },
        h("a", { href: sessionsLink({ experiment }) }, experiment), " › ",
        h("a", { href: sessionsLink({ experiment, step }) }, `step ${step}`), " › group"),
      h("div", { class: "title-row" },
        h("h1", { class: "mono", "data-testid": "group-title" }, instance),
        h("div", { class: "actions" },
          h("a", { class: "button", href: instanceLink(experiment, instance) }, "This instance across steps →"))),
      h("div", { class: "facts" },
        fact("Step", step),
        fact("Rollouts", fmtInt(group.rollouts.length)),
        fact("Mean reward", h("span", { "data-testid": "group-mean" }, fmtMean(group.mean))),
        fact("Std", h("span", { "data-testid": "group-std" }, fmtMean(group.std))),
        fact("Rewarded", `${fmtInt(group.rewarded)} (forced left out)`))),
    group.zeroVariance
      ? h("div", { class: "warning-box", role: "status", "data-testid": "zero-variance" },
          h("strong", null, "Zero reward variance: "),
          `every rollout of this group got reward ${fmtMean(group.mean)}. Every advantage is 0, so this group teaches the policy nothing.`)
      : null,
    group.partial ? h("p", { class: "muted", "data-testid": "group-partial" }, "Some rollouts are still running: the figures will change.") : null,
    group.rollouts.length === 0 ? h("div", { class: "empty" }, "No rollout of this instance at this step.") : null,
    group.rollouts.length > 0
      ? h("section", { class: "card" },
          h("div", { class: "section-head" },
            h("h2", null, `Rollouts by reward`),
            h("span", { class: "actions" },
              best && worst && best !== worst ? h("a", { class: "button", href: compareLink(best.path, worst.path), "data-testid": "compare-best-worst" }, "Best vs worst") : null,
              compareButton)),
          h("table", { class: "table group-table" },
            h("thead", null, h("tr", null,
              h("th", null, ""), h("th", { class: "num" }, "#"), h("th", { class: "num" }, "Reward"), h("th", { class: "num", title: "(reward − mean) / std" }, "Advantage"),
              h("th", null, "State"), h("th", { class: "num" }, "Iterations"), h("th", { class: "num" }, "Tokens in / out"), h("th", { class: "num" }, "Duration"),
              h("th", null, "Final answer"))),
            h("tbody", null, group.rollouts.map((r) => rolloutRow(r, picked, updateCompare)))))
      : null,
  );
  const signature = (/** @type {GroupResponse} */ g) => g.rollouts.map((r) => `${r.path}:${r.status}:${r.reward}`).join("|");
  return {
    async refresh() {
      const next = await api("group", { experiment, step, instance });
      if (signature(next) !== signature(group)) await groupPage(root, params);
    },
  };
}

/**
 * @param {GroupRollout} r
 * @param {Set<string>} picked paths of the rollouts ticked for comparison (two at most)
 * @param {() => void} onPick
 */
function rolloutRow(r, picked, onPick) {
  const box = h("input", {
    type: "checkbox",
    "aria-label": `pick rollout ${r.rank} to compare`,
    "data-testid": "pick",
    onchange: (/** @type {Event} */ event) => {
      const tick = /** @type {HTMLInputElement} */ (event.target);
      if (tick.checked) {
        if (picked.size >= 2) {
          tick.checked = false;
          return;
        }
        picked.add(r.path);
      } else picked.delete(r.path);
      onPick();
    },
  });
  return h("tr", { "data-path": r.path, class: r.forced ? "forced" : "" },
    h("td", null, box),
    h("td", { class: "num" }, String(r.rank)),
    h("td", { class: "num" }, rewardCell(r.reward), r.forced ? h("span", { class: "badge forced-badge", title: "forced: left out of mean, std and advantages" }, "forced") : null),
    h("td", { class: "num", "data-testid": "advantage" }, r.advantage === null ? "—" : signed(r.advantage)),
    h("td", null, statusBadge(r.status)),
    h("td", { class: "num" }, fmtInt(r.iterations)),
    h("td", { class: "num" }, `${fmtInt(r.inputTokens)} / ${fmtInt(r.outputTokens)}`),
    h("td", { class: "num" }, fmtSeconds(r.durationSeconds)),
    h("td", { class: "answer-cell" },
      r.error !== null ? errorLine(r.error) : h("a", { href: sessionLink(r.path), title: r.finalAnswer ?? "" }, r.finalAnswer ?? "(no final answer)")),
  );
}

/**
 * @param {number} x
 */
function signed(x) {
  return `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x).toFixed(2)}`;
}
