// Regenerates the README's screenshots of `trajlog view` (docs/images/viewer-*.png): writes a
// log tree with the SDK, serves it with the built viewer, and photographs each page in
// Debian's chromium. Run it with `npm run screenshots`.
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startViewer } from "../dist/viewer/server/server.js";
import { generateLogTree } from "./fixture-tree.mjs";
import { writeScaleTree } from "./scale-tree.mjs";

const OUT = fileURLToPath(new URL("../docs/images/", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const EXPERIMENT = "grpo-swe-32b";
const INSTANCE = "django__django-11099";
const GROUPS = "rl-repair-groups";
const MAX_BYTES = 300 * 1024;

const root = await mkdtemp(path.join(os.tmpdir(), "trajlog-screenshots-"));
let viewer;
let browser;
try {
  const tree = await generateLogTree(path.join(root, "logs"), { experiment: EXPERIMENT, xss: false });
  // GRPO-style groups of 16 over 120 steps: the group page and the instance grid.
  await writeScaleTree(tree.logDir, { experiment: GROUPS, steps: 120, instances: 6, rollouts: 16, forcedEvery: 41, iterations: 3, seed: 11 });
  viewer = await startViewer({ logDir: tree.logDir, port: 0 });
  await viewer.index.ready;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (error) => {
    throw error;
  });
  await mkdir(OUT, { recursive: true });
  const rel = (file) => path.relative(tree.logDir, file).split(path.sep).join("/");
  // A mid-training session of the instance: it searches, asks a helper model, fails a test, fixes it.
  const mid = tree.sessions.find((s) => s.experiment === EXPERIMENT && s.instanceId === INSTANCE && s.step === 6);

  const shots = [
    { name: "viewer-experiments", hash: "#/", wait: ".experiment canvas", height: 900 },
    { name: "viewer-sessions", hash: `#/sessions?experiment=${EXPERIMENT}&sort=reward&order=desc`, wait: ".sessions-table", height: 860 },
    { name: "viewer-session", hash: `#/session?path=${encodeURIComponent(rel(mid.path))}`, wait: ".iteration", height: 1450 },
    { name: "viewer-group", hash: `#/group?experiment=${GROUPS}&step=60&instance=task-0002`, wait: ".group-table", height: 1000 },
    { name: "viewer-instance", hash: `#/instance?experiment=${GROUPS}&instance=task-0001&steps=20,119`, wait: ".grid-row", height: 1150, scrollTo: '[data-testid="instance-grid"]', scrollBy: -120 },
    { name: "viewer-compare", hash: `#/instance?experiment=${EXPERIMENT}&instance=${INSTANCE}`, wait: ".pair", height: 980, scrollTo: '[data-testid="compare"]' },
    { name: "viewer-search", hash: `#/search?q=${encodeURIComponent("validators.py")}&experiment=${EXPERIMENT}`, wait: ".search-hit", height: 900, settle: '[data-testid="search-status"]' },
  ];
  for (const shot of shots) {
    await page.setViewportSize({ width: 1280, height: shot.height });
    await page.goto(`${viewer.url}${shot.hash}`);
    await page.waitForSelector(shot.wait);
    if (shot.scrollTo) {
      await page.locator(shot.scrollTo).evaluate((el, by) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 58 + by), shot.scrollBy ?? 0);
    }
    // A streamed page is photographed once it is complete.
    if (shot.settle) await page.waitForFunction((sel) => !/Searching/.test(document.querySelector(sel)?.textContent ?? "Searching"), shot.settle);
    // Let charts draw and the first poll settle.
    await page.waitForTimeout(600);
    const file = path.join(OUT, `${shot.name}.png`);
    await page.screenshot({ path: file });
    const { size } = await stat(file);
    console.log(`${path.relative(process.cwd(), file)}  ${(size / 1024).toFixed(0)} KB`);
    if (size > MAX_BYTES) throw new Error(`${file} is ${size} bytes; keep screenshots under ${MAX_BYTES}`);
  }
} finally {
  await browser?.close();
  await viewer?.close();
  await rm(root, { recursive: true, force: true });
}
