// Talking to the viewer's API. Every JSON answer is typed by its path (api-types.ts's
// ApiResponses), so a page that reads a field the server does not send fails the type check.

/** @import { ApiResponses } from "../../api-types.ts" */

/** @typedef {Record<string, string | number | boolean | null | undefined>} ApiParams */

/** An API error with the server's message. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GETs `/api/<path>` with query parameters; parameters that are undefined or "" are left out.
 * @template {keyof ApiResponses} P
 * @param {P} path
 * @param {ApiParams} [params]
 * @returns {Promise<ApiResponses[P]>}
 */
export async function api(path, params = {}) {
  const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new ApiError(response.status, body.error ?? response.statusText);
  return body;
}

/**
 * GETs `/api/<path>` as text.
 * @param {string} path
 * @param {ApiParams} [params]
 * @returns {Promise<string>}
 */
export async function apiText(path, params = {}) {
  const response = await fetch(apiUrl(path, params));
  if (!response.ok) throw new ApiError(response.status, await response.text());
  return response.text();
}

/**
 * The URL of an API call.
 * @param {string} path
 * @param {ApiParams} [params]
 * @returns {string}
 */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return `/api/${path}${qs ? `?${qs}` : ""}`;
}

/**
 * The message of anything thrown, for the page to show.
 * @param {unknown} error
 * @returns {string}
 */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
