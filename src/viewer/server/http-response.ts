/**
 * Writing responses. Every response, errors included, carries the same strict security
 * headers: log content is untrusted (model output can hold `<script>`), so the page may only
 * run the viewer's own scripts and talk to this server.
 */
import type { ServerResponse } from "node:http";

/** The Content-Security-Policy of every response: same-origin scripts, styles and fetches only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** An error that becomes an HTTP error response with its message as the body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Sends a body with the security headers. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  extraHeaders: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": contentType,
    "Content-Length": String(Buffer.byteLength(body)),
    ...extraHeaders,
  });
  res.end(body);
}

/** Sends a JSON body; API answers change as files are written, so they are never cached. */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  sendJsonText(res, JSON.stringify(value), status);
}

/** Sends JSON already serialized (an answer kept from an earlier request), never cached either. */
export function sendJsonText(res: ServerResponse, json: string | Buffer, status = 200): void {
  send(res, status, "application/json; charset=utf-8", json, { "Cache-Control": "no-store" });
}

/** Sends plain text: browsers show it as text whatever it holds. */
export function sendText(res: ServerResponse, text: string, status = 200, extraHeaders: Record<string, string> = {}): void {
  send(res, status, "text/plain; charset=utf-8", text, { "Cache-Control": "no-store", ...extraHeaders });
}

/** Sends an error as `{ error }` JSON for the API, plain text elsewhere. */
export function sendError(res: ServerResponse, status: number, message: string, asJson: boolean): void {
  if (asJson) sendJson(res, { error: message }, status);
  else sendText(res, message, status);
}
