import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { writeScaleTree } from "../../scripts/scale-tree.mjs";
import { scanSessions } from "../../src/read/scan.js";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { SORT_KEYS, STATUSES, type SessionListItem, type SessionStatus, type SessionsResponse, type VersionResponse } from "../../src/viewer/api-types.js";
import type { SessionRow } from "../../src/viewer/server/session-row.js";
import { launchChromium, openPage } from "../helpers/chromium.js";
import { metadataLine } from "../helpers/lines.js";

// The viewer listens before it has read the directory, fills its index in the background, and
// keeps every sort order of the sessions table as files come, change and go: each page equals
// what sorting every row from scratch gives.

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-indexing-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function getJson<T>(viewer: ViewerServer, target: string): Promise<T> {
  const response = await fetch(new URL(target, viewer.url));
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** The sessions table sorted from scratch, as it was worked out per request before. */
function sortedFromScratch(rows: readonly SessionRow[], statusOf: (row: SessionRow) => SessionStatus, key: string, order: "asc" | "desc"): string[] {
  const rank: Record<SessionStatus, number> = { live: 0, unfinished: 1, errored: 2, completed: 3 };
  const value = (row: SessionRow): number | string | null =>
    ({
      step: row.trainingStep,
      instance: row.instanceId,
      iterations: row.iterations,
      reward: row.reward,
      status: rank[statusOf(row)],
      started: row.startedAt,
      duration: row.durationSeconds,
    })[key] ?? null;
  const direction = order === "desc" ? -1 : 1;
  return rows
    .map((row, at) => ({ row, at, key: value(row) }))
    .sort((a, b) => {
      if (a.key === b.key) return a.at - b.at;
      if (a.key === null) return 1;
      if (b.key === null) return -1;
      return (a.key < b.key ? -1 : 1) * direction;
    })
    .map(({ row }) => row.relPath);
}

async function everyPage(viewer: ViewerServer, query: string): Promise<SessionListItem[]> {
  const rows: SessionListItem[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await getJson<SessionsResponse>(viewer, `/api/sessions?${query}&offset=${offset}&limit=500`);
    rows.push(...page.rows);
    if (offset + 500 >= page.total) return rows;
  }
}

describe("the index of a directory", () => {
  it("is filled in the background, and keeps every sort order as files come, change and go", async () => {
    const dir = path.join(root, "orders");
    await writeScaleTree(dir, { experiment: "exp", steps: 40, instances: 10, rollouts: 5, forcedEvery: 13 });
    const viewer = await startViewer({ logDir: dir, port: 0, pollMs: 60_000 });
    try {
      // Listening already, with 2,000 files still to read.
      const early = await getJson<VersionResponse>(viewer, "/api/version");
      expect(early.indexing).not.toBe(null);
      expect(early.indexing?.indexed).toBeLessThan(2000);
      await viewer.index.ready;
      expect(await getJson<VersionResponse>(viewer, "/api/version")).toEqual({ generation: viewer.index.generation, indexing: null });

      // A file in an old step (between others in scan order), a session still being written,
      // one rewritten, and removed ones.
      const step3 = path.join(dir, "exp/step_3");
      const names = (await readdir(step3)).sort();
      await writeFile(path.join(step3, "task-0003_20260302_000000_aaaaaaaa.jsonl"), `${JSON.stringify(metadataLine({ instance_id: "task-0003", training_step: 3, experiment_name: "exp" }))}\n`);
      await rm(path.join(step3, names[0] as string));
      await rm(path.join(dir, "exp/step_39", (await readdir(path.join(dir, "exp/step_39"))).sort()[2] as string));
      await appendFile(path.join(step3, names[1] as string), "");
      const rewritten = path.join(dir, "exp/step_7", (await readdir(path.join(dir, "exp/step_7"))).sort()[0] as string);
      await writeFile(rewritten, `${JSON.stringify(metadataLine({ instance_id: "task-0000", training_step: 7, experiment_name: "exp" }))}\n`);
      await viewer.index.refresh();

      const refs: string[] = [];
      for await (const ref of scanSessions(dir)) refs.push(ref.relPath);
      expect(viewer.index.rows().map((row) => row.relPath)).toEqual(refs);
      expect(refs).toHaveLength(2000 + 1 - 2);

      const now = Date.now();
      const statusOf = (row: SessionRow): SessionStatus => viewer.index.status(row, now);
      for (const key of SORT_KEYS) {
        for (const order of ["asc", "desc"] as const) {
          const served = await everyPage(viewer, `sort=${key}&order=${order}`);
          expect(served.map((row) => row.relPath), `${key} ${order}`).toEqual(sortedFromScratch(viewer.index.rows(), statusOf, key, order));
        }
      }
      // Filters on top of a kept order.
      for (const status of STATUSES) {
        const served = await everyPage(viewer, `status=${status}&sort=reward&order=desc`);
        const expected = sortedFromScratch(viewer.index.rows(), statusOf, "reward", "desc").filter((rel) => statusOf(viewer.index.get(rel) as SessionRow) === status);
        expect(served.map((row) => row.relPath), status).toEqual(expected);
      }
    } finally {
      await viewer.close();
    }
  });
});

describe("the page while the index fills", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('says "indexing N of M files", shows sessions as they arrive, and all of them at the end', async () => {
    const dir = path.join(root, "big");
    // 12,000 small files: reading them takes long enough to see the page while it happens.
    await writeScaleTree(dir, { experiment: "wide", steps: 60, instances: 25, rollouts: 8, iterations: 1 });
    const total = 12_000;
    const { page, problems } = await openPage(browser);
    // Everything the status line and the page's note ever say, however briefly.
    await page.addInitScript({
      content: `
        const seen = (window.seenTexts = []);
        new MutationObserver(() => {
          for (const el of document.querySelectorAll('#status, [data-testid="indexing"], [data-testid="session-count"]')) {
            const text = el.textContent ?? "";
            if (seen[seen.length - 1] !== text) seen.push(text);
          }
        }).observe(document, { subtree: true, childList: true, characterData: true });`,
    });
    const viewer = await startViewer({ logDir: dir, port: 0, pollMs: 60_000 });
    try {
      await page.goto(`${viewer.url}#/sessions?sort=reward&order=desc`);
      await page.getByTestId("indexing").waitFor();
      await viewer.index.ready;
      await page.getByTestId("indexing").waitFor({ state: "detached" });
      await expect.poll(() => page.getByTestId("session-count").textContent()).toBe("12,000 sessions match");
      const seen = (await page.evaluate("window.seenTexts")) as string[];
      // The status line counted up to the total, and the table grew while it did.
      const progress = seen.map((text) => /^● indexing ([\d,]+) of ([\d,]+) files$/.exec(text)).filter((m) => m !== null);
      expect(progress.length).toBeGreaterThan(0);
      for (const m of progress) {
        const [indexed, of] = [Number(m[1]?.replace(/,/g, "")), Number(m[2]?.replace(/,/g, ""))];
        expect(of).toBe(total);
        expect(indexed).toBeLessThan(total);
      }
      expect(seen.some((text) => /^Indexing [\d,]+ of 12,000 files: what is shown covers the sessions read so far/.test(text))).toBe(true);
      const partial = seen.map((text) => /^([\d,]+) sessions? match so far$/.exec(text)).filter((m) => m !== null);
      expect(partial.length).toBeGreaterThan(0);
      expect(seen).toContain("12,000 sessions match");
      await expect.poll(() => page.locator("#status").textContent()).toMatch(/^● watching · updated /);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await viewer.close();
    }
  });
});
