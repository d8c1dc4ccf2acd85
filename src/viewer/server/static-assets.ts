/**
 * The front end's files: the `app/` folder beside this one and uPlot from its package. The table
 * of URL → file is built once at start; a request is served only when its path is exactly a
 * key of that table, so no request path ever reaches the file system.
 */
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One file the viewer serves, read into memory at start (the front end is small). */
export interface StaticAsset {
  contentType: string;
  body: Buffer;
}

/**
 * The front end: `src/viewer/app/` beside `src/viewer/server/`, and `dist/viewer/app/` (copied
 * there by the build) beside `dist/viewer/server/`, so the same relative path serves both.
 */
export const ASSETS_DIR = fileURLToPath(new URL("../app/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Loads every front-end file: `/` is `index.html`, the others are under `/assets/` and `/vendor/`. */
export async function loadStaticAssets(dir: string = ASSETS_DIR): Promise<Map<string, StaticAsset>> {
  const assets = new Map<string, StaticAsset>();
  for (const rel of await listFiles(dir)) {
    const type = CONTENT_TYPES[path.extname(rel)];
    if (type === undefined) continue;
    const body = await readFile(path.join(dir, rel));
    const urlPath = rel === "index.html" ? "/" : `/assets/${rel}`;
    assets.set(urlPath, { contentType: type, body });
  }
  // uPlot ships in the package's dependencies: nothing is loaded from the network.
  const require = createRequire(import.meta.url);
  assets.set("/vendor/uplot.js", {
    contentType: CONTENT_TYPES[".js"] as string,
    body: await readFile(require.resolve("uplot/dist/uPlot.esm.js")),
  });
  assets.set("/vendor/uplot.css", {
    contentType: CONTENT_TYPES[".css"] as string,
    body: await readFile(require.resolve("uplot/dist/uPlot.min.css")),
  });
  return assets;
}

/** Files under `dir`, as `/`-separated relative paths. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}
