// The lists the server's API works with (sort columns, session states, search fields, the keys
// of an iteration line), fetched once when the page loads: the browser never repeats them, so
// a column or state added on the server shows up here without a change.
import { api } from "./api.js";

/** @import { ListsResponse } from "../../api-types.ts" */

/** @type {ListsResponse | null} */
let loaded = null;

/** Fetches the lists; the app awaits this before it shows any page. */
export async function loadLists() {
  loaded = await api("lists");
  return loaded;
}

/**
 * The lists, once {@link loadLists} resolved.
 * @returns {ListsResponse}
 */
export function lists() {
  if (loaded === null) throw new Error("the server's lists are not loaded yet");
  return loaded;
}
