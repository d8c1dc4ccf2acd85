import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { generateLogTree, XSS_RESPONSE, type FixtureTree } from "../../scripts/fixture-tree.mjs";
import { readSession } from "../../src/read/reader.js";
import { TrajectoryLogger } from "../../src/logger.js";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { launchChromium, openPage as openChromiumPage } from "../helpers/chromium.js";

// The viewer in a real browser (Debian's chromium, driven by playwright-core), on a log tree
// written by the SDK: experiment → step → session → the instance across steps.
const ARTIFACTS = path.resolve("test-artifacts/viewer");
const EXPERIMENT = "grpo-swe-32b";

let root: string;
let tree: FixtureTree;
let viewer: ViewerServer;
let browser: Browser;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-e2e-"));
  tree = await generateLogTree(path.join(root, "logs"), { steps: 4, instances: 3, experiment: EXPERIMENT });
  viewer = await startViewer({ logDir: tree.logDir, port: 0, pollMs: 200 });
  await viewer.index.ready;
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A page that records script errors and CSP violations. */
const openPage = (): Promise<{ page: Page; problems: string[] }> => openChromiumPage(browser);

const rel = (file: string): string => path.relative(tree.logDir, file).split(path.sep).join("/");
const texts = (page: Page, selector: string): Promise<string[]> =>
  page.locator(selector).evaluateAll((els) => els.map((el) => (el.textContent ?? "").trim()));
const attrs = (page: Page, selector: string, name: string): Promise<(string | null)[]> =>
  page.locator(selector).evaluateAll((els, n) => els.map((el) => el.getAttribute(n)), name);

describe("trajlog view in a browser", () => {
  it("goes from an experiment to a step, a session, and the instance across steps", async () => {
    const { page, problems } = await openPage();
    try {
      await page.goto(viewer.url);
      await page.waitForSelector(".experiment .steps-table");
      expect(await texts(page, ".experiment h2")).toEqual([EXPERIMENT, `${EXPERIMENT}-baseline`]);
      const main = page.locator(`.experiment[data-experiment="${EXPERIMENT}"]`);
      const perStep = [0, 1, 2, 3].map((step) => tree.sessions.filter((s) => s.experiment === EXPERIMENT && s.step === step).length);
      expect(await main.locator(".steps-table tbody tr").evaluateAll((rows) =>
        rows.map((row) => [row.getAttribute("data-step"), row.children[1]?.textContent])),
      ).toEqual(perStep.map((n, step) => [String(step), String(n)]));
      // Five charts per experiment, drawn by uPlot: reward, zero-variance groups, error rate, iterations, tokens.
      expect(await main.locator("figure[data-chart]").evaluateAll((els) => els.map((el) => el.getAttribute("data-chart")))).toEqual([
        "Reward per step", "Groups with zero reward variance", "Error rate", "Iterations per step", "Tokens per session",
      ]);
      expect(await main.locator("canvas").count()).toBe(5);
      await page.screenshot({ path: path.join(ARTIFACTS, "1-experiments.png") });

      // Step 2 → its sessions.
      await main.getByRole("link", { name: "step 2", exact: true }).click();
      await page.waitForSelector(".sessions-table");
      expect(new URL(page.url()).hash).toBe(`#/sessions?experiment=${EXPERIMENT}&step=2`);
      const step2 = tree.sessions.filter((s) => s.experiment === EXPERIMENT && s.step === 2);
      expect((await attrs(page, ".sessions-table tbody tr", "data-path")).sort()).toEqual(step2.map((s) => rel(s.path)).sort());
      expect(await texts(page, ".sessions-table tbody td:first-child")).toEqual(step2.map(() => "2"));
      await page.screenshot({ path: path.join(ARTIFACTS, "2-sessions.png") });

      // The first session of the table → its trajectory.
      const firstPath = (await attrs(page, ".sessions-table tbody tr", "data-path"))[0] as string;
      const record = await readSession(path.join(tree.logDir, firstPath));
      await page.locator(".sessions-table tbody tr").first().locator("td.mono a").click();
      await page.waitForSelector(".iteration");
      expect(await page.getByTestId("session-title").textContent()).toBe(record.metadata?.instance_id);
      expect(await attrs(page, ".iteration", "data-iteration")).toEqual(record.iterations.map((it) => String(it.iteration)));
      expect(await page.locator(".tl-block").count()).toBe(record.iterations.length);
      expect(await texts(page, "pre.iteration-response")).toEqual(record.iterations.map((it) => it.response));
      await page.screenshot({ path: path.join(ARTIFACTS, "3-session.png"), fullPage: true });

      // → the same instance at every step: one grid row per step, the session we came from marked and compared as B.
      await page.getByTestId("across-steps").click();
      await page.waitForSelector(".pair");
      const instanceId = record.metadata?.instance_id as string;
      expect(await page.getByTestId("instance-title").textContent()).toBe(instanceId);
      const ofInstance = tree.sessions.filter((s) => s.experiment === EXPERIMENT && s.instanceId === instanceId);
      const stepsOfInstance = [...new Set(ofInstance.map((s) => s.step))].sort((x, y) => x - y);
      expect(await attrs(page, ".grid-row", "data-step")).toEqual(stepsOfInstance.map(String));
      expect(await page.locator(".grid-cell[href]").count()).toBe(ofInstance.length);
      expect(await attrs(page, ".grid-cell.focused", "href")).toEqual([`#/session?path=${encodeURIComponent(firstPath).replace(/%2F/g, "%2F")}`]);
      // The detail shows the first step and the focused one side by side; B is the session we came from.
      expect(await attrs(page, ".step-column.focused", "data-path")).toEqual([firstPath]);
      expect(await page.getByTestId("side-b").locator("a", { hasText: "open" }).getAttribute("href")).toBe(`#/session?path=${encodeURIComponent(firstPath)}`);
      const a = await readSession(path.join(tree.logDir, (await attrs(page, ".step-column", "data-path"))[0] as string));
      expect(await page.locator(".pair").count()).toBe(Math.min(10, Math.max(a.iterations.length, record.iterations.length)));
      await page.screenshot({ path: path.join(ARTIFACTS, "4-instance.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows model output that holds HTML as text and runs none of it", async () => {
    const { page, problems } = await openPage();
    try {
      const xss = tree.sessions.find((s) => s.instanceId === "xss-<b>probe</b>");
      expect(xss).toBeDefined();
      await page.goto(`${viewer.url}#/session?path=${encodeURIComponent(rel(xss?.path as string))}`);
      await page.waitForSelector(".iteration");
      await page.locator(".prompt summary").click();
      expect(await page.getByTestId("session-title").textContent()).toBe("xss-<b>probe</b>");
      expect(await texts(page, "pre.iteration-response")).toEqual([XSS_RESPONSE]);
      expect(await page.getByText('<script>window.__xss = "script";</script>').isVisible()).toBe(true);
      expect(await texts(page, "pre.stdout")).toEqual(["<img src=x onerror=alert(1)>"]);
      expect(await texts(page, "pre.stderr")).toEqual(["<script>window.__xss='stderr'</script>"]);
      expect(await texts(page, "pre.answer")).toEqual(["<b>bold?</b>"]);
      expect(await page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(await page.locator("main img, main script, main b").count()).toBe(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "xss.png") });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("cuts long text for display and shows all of it on demand", async () => {
    const { page, problems } = await openPage();
    const logger = new TrajectoryLogger({ logDir: tree.logDir, experimentName: "long-output", sampleRate: 1 });
    try {
      const long = Array.from({ length: 3000 }, (_, i) => `line ${i} of a long response`).join("\n");
      const session = logger.startSession({ instanceId: "long", trainingStep: 0, modelName: "m" });
      session.logIteration({ prompt: "q", response: long });
      await session.finalize({ reward: 1 });
      await viewer.index.refresh();
      await page.goto(`${viewer.url}#/session?path=${encodeURIComponent(rel(session.path as string))}`);
      const response = page.locator("pre.iteration-response");
      await response.waitFor();
      expect((await response.textContent())?.length).toBe(20_000);
      expect(await page.locator(".truncated-note span").first().textContent()).toBe(`Showing 20,000 of ${long.length.toLocaleString("en-US")} characters.`);
      await page.getByRole("button", { name: "Show all" }).click();
      await expect.poll(async () => (await response.textContent())?.length).toBe(long.length);
      expect(await response.textContent()).toBe(long);
      expect(problems).toEqual([]);
    } finally {
      await logger.close();
      await page.close();
    }
  });

  it("shows a session written while the page is open, without a reload", async () => {
    const { page, problems } = await openPage();
    const logger = new TrajectoryLogger({ logDir: tree.logDir, experimentName: EXPERIMENT, sampleRate: 1 });
    try {
      await page.goto(viewer.url);
      const card = page.locator(`.experiment[data-experiment="${EXPERIMENT}"]`);
      await card.locator("canvas").first().evaluate((canvas) => canvas.setAttribute("data-before", ""));
      const session = logger.startSession({ instanceId: "late-instance", trainingStep: 7, modelName: "m" });
      session.logIteration({ prompt: "q", response: "thinking" });
      await logger.flush();
      // The step appears in the table; the charts are updated in place, not redrawn from scratch.
      await card.locator('tr[data-step="7"]').waitFor({ timeout: 20_000 });
      expect(await card.locator("canvas[data-before]").count()).toBe(1);
      await card.locator('tr[data-step="7"] a').click();
      await page.waitForSelector(".sessions-table tbody tr[data-path]");
      expect(await texts(page, ".sessions-table tbody td.mono")).toEqual(["late-instance"]);
      expect(await texts(page, ".sessions-table tbody .badge")).toEqual(["● live"]);
      expect(problems).toEqual([]);
    } finally {
      await logger.close();
      await page.close();
    }
  });
});
