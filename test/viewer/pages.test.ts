import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { writeScaleTree } from "../../scripts/scale-tree.mjs";
import { readSession, type TrajectoryRecord } from "../../src/read/reader.js";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { launchChromium, openPage } from "../helpers/chromium.js";
import { metadataLine } from "../helpers/lines.js";

// The group page, the instance grid at 500 steps × 16 rollouts, search, compare and errors, in
// real Chromium, asserting what a user sees against figures worked out here from the files.
const ARTIFACTS = path.resolve("test-artifacts/viewer");

let root: string;
let viewer: ViewerServer;
let browser: Browser;
/** Every session of the "groups" experiment, read back. */
let groups: (TrajectoryRecord & { rel: string })[];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-pages-"));
  await writeScaleTree(root, { experiment: "scale", steps: 500, instances: 1, rollouts: 16, forcedEvery: 37, iterations: 1 });
  await writeScaleTree(root, { experiment: "groups", steps: 3, instances: 8, rollouts: 16, forcedEvery: 11, seed: 3 });
  // A session still running at step 2: that step is partial.
  const live = path.join(root, "groups/step_2/task-0000_20260302_100000_live0001.jsonl");
  await writeFile(live, `${JSON.stringify(metadataLine({ instance_id: "task-0000", training_step: 2, experiment_name: "groups" }))}\n`);
  groups = [];
  for (const step of [0, 1, 2]) {
    const dir = path.join(root, "groups", `step_${step}`);
    for (const name of (await readdir(dir)).sort()) {
      groups.push({ ...(await readSession(path.join(dir, name))), rel: `groups/step_${step}/${name}` });
    }
  }
  viewer = await startViewer({ logDir: root, port: 0, pollMs: 60_000 });
  await viewer.index.ready;
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const texts = (page: Page, selector: string): Promise<string[]> =>
  page.locator(selector).evaluateAll((els) => els.map((el) => (el.textContent ?? "").trim()));
const forcedOf = (r: TrajectoryRecord) => r.metadata?.sampling?.forced === true;
const groupOf = (step: number, instance: string) => groups.filter((r) => r.metadata?.training_step === step && r.metadata?.instance_id === instance);
/** Mean and n − 1 standard deviation of the sample's rewards, worked out here. */
function figures(records: TrajectoryRecord[]): { mean: number; std: number } {
  const rewards = records.filter((r) => !forcedOf(r) && typeof r.summary?.reward === "number").map((r) => r.summary?.reward as number);
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const std = Math.sqrt(rewards.reduce((a, b) => a + (b - mean) ** 2, 0) / (rewards.length - 1));
  return { mean, std };
}
const signed = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x).toFixed(2)}`;

async function withPage(run: (page: Page) => Promise<void>): Promise<void> {
  const { page, problems } = await openPage(browser);
  try {
    await run(page);
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
}

describe("the group page", () => {
  it("ranks a group of 16 by reward with its mean, std and advantages, forced rollouts apart, and compares any two", async () => {
    // The first group of step 1 whose rewards differ.
    const instance = Array.from({ length: 8 }, (_, i) => `task-000${i}`).find((id) => figures(groupOf(1, id)).std > 0) as string;
    const group = groupOf(1, instance);
    expect(group.length).toBe(16);
    const { mean, std } = figures(group);
    await withPage(async (page) => {
      await page.goto(`${viewer.url}#/group?experiment=groups&step=1&instance=${instance}`);
      await page.waitForSelector(".group-table tbody tr");
      expect(await page.getByTestId("group-title").textContent()).toBe(instance);
      expect(await page.getByTestId("group-mean").textContent()).toBe(mean.toFixed(2));
      expect(await page.getByTestId("group-std").textContent()).toBe(std.toFixed(2));
      const shown = await page.locator(".group-table tbody tr").evaluateAll((rows) =>
        rows.map((row) => [row.getAttribute("data-path"), row.children[1]?.textContent, row.children[3]?.textContent, row.querySelector(".forced-badge") !== null]));
      const byPath = new Map(group.map((r) => [r.rel, r]));
      expect(shown.map((s) => s[1])).toEqual(Array.from({ length: 16 }, (_, i) => String(i + 1)));
      const rewards = shown.map((s) => byPath.get(s[0] as string)?.summary?.reward ?? null);
      expect(rewards.filter((r) => r !== null)).toEqual([...rewards.filter((r) => r !== null)].sort((x, y) => (y as number) - (x as number)));
      for (const [rel, , adv, forcedBadge] of shown) {
        const record = byPath.get(rel as string) as TrajectoryRecord;
        const reward = record.summary?.reward ?? null;
        expect([rel, adv, forcedBadge]).toEqual([rel, forcedOf(record) || reward === null ? "—" : signed((reward - mean) / std), forcedOf(record)]);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, "group.png"), fullPage: true });
      // Pick the 2nd and the 5th → compare them.
      const boxes = page.getByTestId("pick");
      await boxes.nth(1).check();
      await boxes.nth(4).check();
      await page.getByTestId("compare-picked").click();
      await page.waitForSelector(".pair");
      expect(await page.getByTestId("side-a").locator("a", { hasText: "open" }).getAttribute("href")).toBe(`#/session?path=${encodeURIComponent(shown[1]?.[0] as string)}`);
      expect(await page.getByTestId("side-b").locator("a", { hasText: "open" }).getAttribute("href")).toBe(`#/session?path=${encodeURIComponent(shown[4]?.[0] as string)}`);
    });
  });

  it("says so when every rollout of a group got the same reward", async () => {
    const zero = [0, 1, 2].flatMap((step) => Array.from({ length: 8 }, (_, i) => [step, `task-000${i}`] as const)).find(([step, instance]) => {
      const rewards = groupOf(step, instance).filter((r) => !forcedOf(r) && typeof r.summary?.reward === "number").map((r) => r.summary?.reward);
      return rewards.length >= 2 && rewards.every((r) => r === rewards[0]);
    });
    expect(zero).toBeDefined();
    const [step, instance] = zero as readonly [number, string];
    await withPage(async (page) => {
      await page.goto(`${viewer.url}#/group?experiment=groups&step=${step}&instance=${instance}`);
      const banner = page.getByTestId("zero-variance");
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/^Zero reward variance: every rollout of this group got reward (1\.00|0\.00)\. Every advantage is 0, so this group teaches the policy nothing\.$/);
      expect(await texts(page, '[data-testid="advantage"]')).toEqual(Array(groupOf(step, instance).length).fill("—"));
    });
  });
});

describe("the instance grid", () => {
  it("shows 500 steps × 16 rollouts with only the rows in view in the page, and every step reachable", async () => {
    await withPage(async (page) => {
      await page.goto(`${viewer.url}#/instance?experiment=scale&instance=task-0000`);
      await page.waitForSelector(".grid-row");
      expect(await page.getByTestId("instance-facts").textContent()).toBe("8,000 sessions across 500 training steps · up to 16 rollouts per step");
      const gridEl = page.getByTestId("instance-grid");
      expect(await gridEl.getAttribute("data-rows")).toBe("500");
      const rendered = await page.locator(".grid-row").count();
      expect(rendered).toBeGreaterThan(10);
      expect(rendered).toBeLessThan(60);
      expect(await page.locator(".grid-row").evaluateAll((rows) => rows.map((r) => r.querySelectorAll("a.grid-cell").length))).toEqual(Array(rendered).fill(16));
      await page.screenshot({ path: path.join(ARTIFACTS, "instance-grid.png") });
      // The last step, by scrolling.
      await gridEl.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      const last = page.locator('.grid-row[data-step="499"]');
      await last.waitFor();
      const hrefs = await last.locator("a.grid-cell").evaluateAll((els) => els.map((el) => el.getAttribute("href")));
      const files = (await readdir(path.join(root, "scale/step_499"))).map((name) => `#/session?path=${encodeURIComponent(`scale/step_499/${name}`)}`);
      expect([...hrefs].sort()).toEqual(files.sort());
      expect(await page.locator(".grid-row").count()).toBeLessThan(60);
      // The first and the last step are in detail (their columns come after the grid, from
      // /api/group); a click on another step's label adds it in place of the first.
      await page.waitForSelector('.step-column[data-step="0"]');
      await page.waitForSelector('.step-column[data-step="499"]');
      expect(await page.locator(".step-column").evaluateAll((els) => [...new Set(els.map((el) => el.getAttribute("data-step")))])).toEqual(["0", "499"]);
      await page.locator('.grid-row[data-step="498"] .grid-step').click();
      await page.waitForSelector('.step-column[data-step="498"]');
      expect(await page.locator(".step-column").evaluateAll((els) => els.map((el) => el.getAttribute("data-step")))).toEqual([...Array(16).fill("499"), ...Array(16).fill("498")]);
    });
  });
});

describe("search", () => {
  it("streams results as they are found, caps them, and links each to its iteration", async () => {
    await withPage(async (page) => {
      await page.goto(`${viewer.url}#/search`);
      await page.getByTestId("search-input").fill("patch applied");
      await page.locator('input[name="experiment"]').fill("groups");
      await page.getByRole("button", { name: "Search" }).click();
      await expect.poll(async () => page.getByTestId("search-status").textContent(), { timeout: 30_000 }).toMatch(/^100 results \(the first ones/);
      expect(await page.locator(".search-hit").count()).toBe(100);
      expect(await texts(page, ".search-hit mark")).toEqual(Array(100).fill("patch applied"));
      await page.screenshot({ path: path.join(ARTIFACTS, "search.png") });
      const first = page.locator(".search-hit").first();
      const rel = (await first.getAttribute("data-path")) as string;
      await first.getByTestId("hit-link").click();
      await page.waitForSelector(".iteration.targeted");
      const record = groups.find((r) => r.rel === rel) as TrajectoryRecord;
      expect(await page.locator(".iteration.targeted").getAttribute("data-iteration")).toBe(String(record.iterations.length));
    });
  });
});

describe("errors and the experiment page", () => {
  it("shows an error as a heading and its stack with real line breaks, apart from the final answer", async () => {
    const errored = groups.find((r) => r.summary?.error !== undefined) as TrajectoryRecord & { rel: string };
    expect(errored).toBeDefined();
    await withPage(async (page) => {
      await page.goto(`${viewer.url}#/session?path=${encodeURIComponent(errored.rel)}`);
      const view = page.locator(".summary-card").getByTestId("error");
      await view.waitFor();
      expect(await view.locator(".error-heading").textContent()).toBe("ErrorSandboxTimeout: sandbox killed: timeout after 30 s");
      expect(await view.locator("pre.stack").textContent()).toBe("    at Sandbox.run (sandbox.js:42:11)\n    at rollout (train.js:88:5)");
      expect(await view.locator("pre.stack").evaluate((el) => el.getBoundingClientRect().height > 30)).toBe(true);
      expect(await page.locator(".final .error-view, .answer .error-view, pre.answer").evaluateAll((els) => els.map((el) => el.textContent).filter((t) => t?.includes("SandboxTimeout")))).toEqual([]);
    });
  });

  it("marks a step with a running session partial and shows forced sessions apart", async () => {
    const forcedAt = (step: number) => groups.filter((r) => r.metadata?.training_step === step && forcedOf(r));
    await withPage(async (page) => {
      await page.goto(viewer.url);
      const card = page.locator('.experiment[data-experiment="groups"]');
      await card.locator(".steps-table").waitFor();
      expect(await card.locator(".steps-table tbody tr").evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-step"), r.querySelector(".badge")?.textContent ?? null]))).toEqual([
        ["0", null], ["1", null], ["2", "partial"],
      ]);
      const forced = await texts(page, '.experiment[data-experiment="groups"] [data-testid="forced"]');
      expect(forced).toEqual([0, 1, 2].map((step) => {
        const f = forcedAt(step).filter((r) => typeof r.summary?.reward === "number");
        return `${forcedAt(step).length} · mean ${(f.reduce((a, r) => a + (r.summary?.reward as number), 0) / f.length).toFixed(2)}`;
      }));
      // A chart point leads to the step's sessions and groups.
      await card.locator("tr[data-step='1'] a").first().click();
      await page.getByTestId("step-groups").waitFor();
      expect(await page.locator(".group-chip").count()).toBe(8);
    });
  });
});
