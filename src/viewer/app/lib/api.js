// Talking to the viewer's API.

/** An API error with the server's message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GETs `/api/<path>` with query parameters; parameters that are undefined or "" are left out. */
export async function api(path, params = {}) {
  const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new ApiError(response.status, body.error ?? response.statusText);
  return body;
}

/** GETs `/api/<path>` as text. */
export async function apiText(path, params = {}) {
  const response = await fetch(apiUrl(path, params));
  if (!response.ok) throw new ApiError(response.status, await response.text());
  return response.text();
}

/** The URL of an API call. */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return `/api/${path}${qs ? `?${qs}` : ""}`;
}
