// The viewer's front end: a hash router over the pages, and a poll of the server's index
// generation so that new sessions and new lines show up without reloading. While the server
// still indexes the directory, the status line says how far it got and the page refreshes as
// sessions arrive.
import { api, messageOf } from "./lib/api.js";
import { fill, h } from "./lib/dom.js";
import { fmtInt } from "./lib/format.js";
import { loadLists } from "./lib/lists.js";
import { currentRoute, link } from "./lib/links.js";
import { errorBox } from "./lib/widgets.js";
import { experimentsPage } from "./pages/experiments.js";
import { sessionsPage } from "./pages/sessions.js";
import { sessionPage } from "./pages/session.js";
import { instancePage } from "./pages/instance.js";
import { groupPage } from "./pages/group.js";
import { searchPage } from "./pages/search.js";
import { comparePage } from "./pages/compare.js";

/** @import { Page, PageHandle } from "./lib/page.js" */

const POLL_MS = 2000;
/** While the server indexes, sooner: the pages fill in as sessions arrive. */
const INDEXING_POLL_MS = 1000;
/** @type {Record<string, Page>} */
const PAGES = {
  "": experimentsPage,
  sessions: sessionsPage,
  session: sessionPage,
  instance: instancePage,
  group: groupPage,
  search: searchPage,
  compare: comparePage,
};
/** Pages reached from the sessions table light up its tab. */
/** @type {Record<string, string>} */
const TAB_OF = { session: "sessions", instance: "sessions", group: "sessions" };

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
const status = /** @type {HTMLElement} */ (document.getElementById("status"));
/** @type {PageHandle} */
let current = {};
let renderId = 0;
/** @type {number | null} */
let generation = null;
let indexing = false;

async function render() {
  const id = ++renderId;
  const { page, params } = currentRoute();
  const show = PAGES[page];
  for (const a of document.querySelectorAll("nav a")) if (a instanceof HTMLElement) a.classList.toggle("active", a.dataset.page === (TAB_OF[page] ?? page));
  const box = h("div", { class: "page" }, h("p", { class: "muted loading" }, "Loading…"));
  fill(main, box);
  if (show === undefined) {
    fill(box, errorBox("No such page."));
    return;
  }
  try {
    const handle = await show(box, params);
    if (id === renderId) current = handle ?? {};
  } catch (error) {
    if (id === renderId) fill(box, errorBox(`Could not load this page: ${messageOf(error)}`));
  }
  if (id === renderId) window.scrollTo(0, 0);
}

async function poll() {
  let version;
  try {
    version = await api("version");
  } catch {
    status.textContent = "● server not reachable";
    status.className = "status down";
    return;
  }
  if (version.indexing !== null) {
    const { indexed, total, listing } = version.indexing;
    status.textContent = listing ? `● indexing: ${fmtInt(total)} files found so far…` : `● indexing ${fmtInt(indexed)} of ${fmtInt(total)} files`;
    status.className = "status indexing";
  } else {
    status.textContent = `● watching · updated ${new Date().toLocaleTimeString()}`;
    status.className = "status ok";
  }
  // The end of indexing refreshes too: the page drops its "indexing" note.
  const changed = generation !== null && (version.generation !== generation || (indexing && version.indexing === null));
  generation = version.generation;
  indexing = version.indexing !== null;
  const refresh = current.refresh;
  if (changed && refresh !== undefined) {
    try {
      await refresh();
    } catch (error) {
      // E.g. the session on screen was deleted: say so, keep what is shown.
      status.textContent = `● could not refresh this page: ${messageOf(error)}`;
      status.className = "status down";
    }
  }
}

/** @type {HTMLElement} */ (document.getElementById("nav")).replaceChildren(
  h("a", { href: link(""), "data-page": "" }, "Experiments"),
  h("a", { href: link("sessions"), "data-page": "sessions" }, "Sessions"),
  h("a", { href: link("search"), "data-page": "search" }, "Search"),
  h("a", { href: link("compare"), "data-page": "compare" }, "Compare"),
);
try {
  await loadLists();
} catch (error) {
  fill(main, errorBox(`Could not reach the server: ${messageOf(error)}`));
  throw error;
}
window.addEventListener("hashchange", render);
render();
// One poll at a time: a slow refresh (a huge session) must not pile up behind itself.
async function pollLoop() {
  if (!document.hidden) await poll();
  setTimeout(pollLoop, indexing ? INDEXING_POLL_MS : POLL_MS);
}
pollLoop();
