/**
 * The viewer reads delta-prompt files as it reads whole ones: the same session pages, the same
 * iterations with their whole prompts, and "show all" of a prompt message.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { buildLogTree } from "../fixtures/log-tree.js";

let fullDir: string;
let deltaDir: string;
let full: ViewerServer;
let delta: ViewerServer;

beforeAll(async () => {
  fullDir = await buildLogTree();
  deltaDir = await buildLogTree({ prompts: "delta" });
  full = await startViewer({ logDir: fullDir, port: 0, pollMs: 60_000 });
  delta = await startViewer({ logDir: deltaDir, port: 0, pollMs: 60_000 });
  await Promise.all([full.index.ready, delta.index.ready]);
});
afterAll(async () => {
  await full.close();
  await delta.close();
  await rm(fullDir, { recursive: true, force: true });
  await rm(deltaDir, { recursive: true, force: true });
});

async function get(viewer: ViewerServer, target: string): Promise<any> {
  const response = await fetch(new URL(target, viewer.url));
  expect(response.status, target).toBe(200);
  return response.headers.get("content-type")?.startsWith("application/json") ? response.json() : response.text();
}

/** What differs by design: the file's size and the metadata's note of the encoding. */
function comparable(session: any): any {
  const { prompt_encoding: _encoding, ...metadata } = session.metadata ?? {};
  return { ...session, metadata, sizeBytes: undefined, row: { ...session.row, sizeBytes: undefined, mtimeMs: undefined } };
}

test("every session and every page of iterations is the same as from the whole-prompt tree", async () => {
  const { rows } = await get(full, "/api/sessions?limit=100");
  expect(rows.length).toBe(7);
  let kept = 0;
  for (const row of rows) {
    const q = encodeURIComponent(row.relPath);
    const [a, b] = await Promise.all([get(full, `/api/session?path=${q}`), get(delta, `/api/session?path=${q}`)]);
    expect(b.metadata.prompt_encoding).toBe("delta");
    expect(comparable(b)).toEqual(comparable(a));
    for (let offset = 0; offset < a.iterationCount; offset += 2) {
      const page = `/api/session/iterations?path=${q}&offset=${offset}&limit=2`;
      const [pa, pb] = await Promise.all([get(full, page), get(delta, page)]);
      expect(pb).toEqual(pa);
      for (const item of pa.items) kept += item.promptKept;
    }
    const last = a.outline.at(-1);
    if (last !== undefined) {
      const text = `/api/text?path=${q}&line=${last.line}&pointer=/prompt/${last.promptMessages - 1}/content`;
      expect(await get(delta, text)).toBe(await get(full, text));
    }
  }
  // The tree's conversations grow: some messages carry over, and say so.
  expect(kept).toBeGreaterThan(0);
});
