// The viewer's pages are addressed by the URL hash: #/page?key=value. Back and forward work,
// and every view can be bookmarked or shared.

/**
 * A hash link to a page with parameters (undefined and "" left out).
 * @param {string} page
 * @param {Record<string, string | number | null | undefined>} [params]
 * @returns {string}
 */
export function link(page, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return `#/${page}${qs ? `?${qs}` : ""}`;
}

/**
 * The page and parameters of the current hash.
 * @returns {{ page: string, params: URLSearchParams }}
 */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const at = hash.indexOf("?");
  const page = at === -1 ? hash : hash.slice(0, at);
  const params = new URLSearchParams(at === -1 ? "" : hash.slice(at + 1));
  return { page, params };
}

/**
 * Link to a session's page.
 * @param {string} relPath
 * @param {Record<string, string | number | null | undefined>} [extra]
 */
export const sessionLink = (relPath, extra = {}) => link("session", { path: relPath, ...extra });
/**
 * Link to an instance's page: all its sessions, by step.
 * @param {string} experiment
 * @param {string} instanceId
 * @param {Record<string, string | number | null | undefined>} [extra]
 */
export const instanceLink = (experiment, instanceId, extra = {}) => link("instance", { experiment, instance: instanceId, ...extra });
/**
 * Link to the sessions table, filtered.
 * @param {Record<string, string | number | null | undefined>} [params]
 */
export const sessionsLink = (params = {}) => link("sessions", params);
/**
 * Link to a group: every rollout of one instance at one step.
 * @param {string} experiment
 * @param {number | string} step
 * @param {string} instanceId
 */
export const groupLink = (experiment, step, instanceId) => link("group", { experiment, step, instance: instanceId });
/**
 * Link to any two sessions compared iteration by iteration.
 * @param {string} a
 * @param {string} b
 * @param {Record<string, string | number | null | undefined>} [extra]
 */
export const compareLink = (a, b, extra = {}) => link("compare", { a, b, ...extra });
/**
 * Link to the search page.
 * @param {Record<string, string | number | null | undefined>} [params]
 */
export const searchLink = (params = {}) => link("search", params);
