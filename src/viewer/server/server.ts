/**
 * `trajlog view`'s HTTP server: a read-only window on a log directory. It serves the front
 * end, and a JSON API over a polled index of the directory; nothing else on disk is reachable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { realpath } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { API_ROUTES, type ApiContext, type ApiHandler } from "./api-routes.js";
import { hostCheck } from "./host-check.js";
import { HttpError, send, sendError } from "./http-response.js";
import { QueryParams } from "./query-params.js";
import { isTraversalAttempt } from "./request-path.js";
import { SessionIndex } from "./session-index.js";
import { SessionLinesCache } from "./session-lines-cache.js";
import { SessionSketches } from "./session-sketch.js";
import { RowGroups } from "./row-groups.js";
import { InstanceGridCache } from "./instance-grid-cache.js";
import { LastMatches } from "./filter-matches.js";
import { ExperimentOverviews } from "./experiment-overview.js";
import { loadStaticAssets, type StaticAsset } from "./static-assets.js";

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  /** The log directory to show. */
  logDir: string;
  /** Port to listen on; 0 picks a free one. @default 8765 */
  port?: number;
  /** Address to bind. Anything but a loopback address exposes the logs to the network. @default "127.0.0.1" */
  host?: string;
  /** Milliseconds between two scans of the log directory. @default 1000 */
  pollMs?: number;
  /** An incomplete session modified within this many milliseconds is shown as live. @default 300000 */
  liveWindowMs?: number;
  /** Called with errors that are not the client's fault (a failed scan, a failed read). @default ignore */
  onError?: (error: unknown) => void;
}

/** A running viewer. */
export interface ViewerServer {
  /** Where to open it, e.g. `http://127.0.0.1:8765/`. */
  url: string;
  host: string;
  port: number;
  /** The index of the log directory the server answers from. */
  index: SessionIndex;
  /** Stops polling, closes every connection and the server. */
  close(): Promise<void>;
}

/** Default port of `trajlog view`. */
export const DEFAULT_VIEWER_PORT = 8765;
/** Default address: this machine only. */
export const DEFAULT_VIEWER_HOST = "127.0.0.1";

/**
 * Starts the server and resolves once it listens; the directory is indexed in the background
 * (`index.ready` resolves when every file is in, `index.progress` says how far it got, and the
 * pages fill in as files are read). Rejects when the directory cannot be read or the port
 * cannot be bound.
 */
export async function startViewer(options: ViewerOptions): Promise<ViewerServer> {
  const host = options.host ?? DEFAULT_VIEWER_HOST;
  const port = options.port ?? DEFAULT_VIEWER_PORT;
  const onError = options.onError ?? (() => undefined);
  const index = new SessionIndex({
    logDir: options.logDir,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.liveWindowMs !== undefined ? { liveWindowMs: options.liveWindowMs } : {}),
    onError,
  });
  const groups = new RowGroups();
  const overviews = new ExperimentOverviews(groups, index);
  index.addView(groups);
  index.addView(overviews);
  const context: ApiContext = {
    index,
    groups,
    overviews,
    lines: new SessionLinesCache(),
    sketches: new SessionSketches(),
    grids: new InstanceGridCache(),
    matches: new LastMatches(),
    realLogDir: await realpath(index.logDir),
  };
  const assets = await loadStaticAssets();
  await index.start();
  // Only requests addressed to this machine by address or to the exact --host are answered:
  // a web page on another site cannot reach the server through DNS rebinding.
  const checkHost = hostCheck(host);
  const server = createServer((req, res) => {
    handle(req, res, context, assets, checkHost).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) sendError(res, 500, "internal error", true);
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await index.stop();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    index,
    async close() {
      await index.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  context: ApiContext,
  assets: Map<string, StaticAsset>,
  checkHost: (header: string | undefined) => boolean,
): Promise<void> {
  const target = req.url ?? "/";
  const isApi = target.startsWith("/api/");
  if (req.method !== "GET") {
    // Read-only: there is no endpoint that changes anything.
    res.setHeader("Allow", "GET");
    sendError(res, 405, `method ${req.method ?? "?"} not allowed; the viewer is read-only`, isApi);
    return;
  }
  if (!checkHost(req.headers.host)) {
    sendError(res, 403, "this viewer only answers requests addressed to localhost, 127.0.0.0/8, [::1] or the host it was started with", isApi);
    return;
  }
  // The path part only: query values are free text (a search for ".."), and session paths
  // in them are checked where they are used.
  if (isTraversalAttempt(target.split("?", 1)[0] ?? "")) {
    sendError(res, 404, "not found", isApi);
    return;
  }
  const url = new URL(target, "http://localhost");
  const asset = assets.get(url.pathname);
  if (asset !== undefined) {
    send(res, 200, asset.contentType, asset.body, { "Cache-Control": "no-cache" });
    return;
  }
  const routes: Readonly<Record<string, ApiHandler>> = API_ROUTES;
  const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
  if (route === undefined) {
    sendError(res, 404, "not found", isApi);
    return;
  }
  try {
    await route(context, new QueryParams(url.searchParams), res);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    sendError(res, error.status, error.message, true);
  }
}
