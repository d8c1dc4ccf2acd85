// `trajlog view` at scale: the real command (a child process) on generated trees of 10,000 and
// 100,000 session files. For each tree it measures the time from spawning `trajlog view` to the
// URL on its stdout (time to listen), the time until the index has every file, page latencies
// while the index fills and once it is full (p50 / p99 over repeated requests), search, and
// the command's peak resident memory (VmHWM). Prints the machine and its load beside each row.
//
//   npm run build && node bench/viewer.mjs [--sessions 10000,100000] [--repeats 20] [--big-files]
//                                          [--trees DIR] [--json] [--smoke] [--prepare]
//                                          [--dist OTHER_DIST]
//
// Trees are written once under DIR (default: <tmp>/trajlog-viewer-bench-trees) and reused by
// later runs: 100,000 files take minutes to write. By default the files are small (two
// iterations, ~3 KB: the figures measure the number of files, not bytes); --big-files writes
// realistic ~100 KB sessions with the SDK instead (~10 GB at 100,000).
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { quantile, sig } from "./lib/stats.mjs";
import { writeScaleTree } from "../scripts/scale-tree.mjs";

const { values } = parseArgs({
  options: {
    sessions: { type: "string" },
    repeats: { type: "string", default: "20" },
    trees: { type: "string", default: path.join(os.tmpdir(), "trajlog-viewer-bench-trees") },
    "big-files": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    // Another build to measure (e.g. a copy of main's dist/), for a side-by-side run.
    dist: { type: "string" },
    // Writes the trees and stops.
    prepare: { type: "boolean", default: false },
  },
});
const SIZES = (values.sessions ?? (values.smoke ? "2000" : "10000,100000")).split(",").map(Number);
const REPEATS = values.smoke ? 5 : Number(values.repeats);
const BIN = values.dist === undefined ? fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url)) : path.resolve(values.dist, "cli/bin.js");
const log = (text) => (values.json ? process.stderr : process.stdout).write(`${text}\n`);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

/**
 * Pages the browser asks for, by what they show. `{e}`, `{s}` and `{i}` are an experiment, a
 * step and an instance taken from the tree (the one with the most steps, its middle step, that
 * step's first group); `{deep}` is an offset half-way through the table.
 */
const PAGES = [
  ["version (polled every 2 s)", "/api/version"],
  ["overview (experiments page)", "/api/overview"],
  ["sessions, first page by step", "/api/sessions?limit=50"],
  ["sessions, by reward desc, deep page", "/api/sessions?sort=reward&order=desc&offset={deep}&limit=50"],
  ["sessions, by duration, one experiment", "/api/sessions?experiment={e}&sort=duration&limit=50"],
  ["sessions, errored, by started", "/api/sessions?status=errored&sort=started&order=desc&limit=50"],
  ["sessions, text filter", "/api/sessions?q={i}&sort=iterations&limit=50"],
  ["step page (groups)", "/api/step?experiment={e}&step={s}"],
  ["group", "/api/group?experiment={e}&step={s}&instance={i}"],
  ["instance grid (every step)", "/api/instance?experiment={e}&instance={i}"],
];
const SEARCHES = [
  ["search, whole tree (first 100)", "/api/search?q=the"],
  ["search, one step", "/api/search?q=Error&experiment={e}&step={s}"],
];

const results = { machine: machine(), trees: {} };
for (const sessions of SIZES) {
  const tree = await ensureTree(sessions);
  if (!values.prepare) results.trees[sessions] = await measure(tree, sessions);
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);

function machine() {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`;
}

/** The tree of `sessions` files, written once (a marker file says it is complete). */
async function ensureTree(sessions) {
  const kind = values["big-files"] ? "big" : "small";
  const dir = path.join(values.trees, `${kind}-${sessions}`);
  const marker = `${dir}.done`;
  if (existsSync(marker)) {
    log(`tree: reusing ${dir} (${readFileSync(marker, "utf8").trim()})`);
    return dir;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  let written;
  if (kind === "big") {
    const { generateLogTree } = await import("./lib/log-tree.mjs");
    written = (await generateLogTree({ logDir: dir, sessions, perStep: 200, seed: 1 })).sessions;
  } else {
    // One instance at 500 steps × 16 rollouts (the instance grid), the rest in groups of 16 over 100 steps.
    const long = Math.min(sessions, 8000);
    await writeScaleTree(dir, { experiment: "long-run", steps: long / 16, instances: 1, rollouts: 16, forcedEvery: 37 });
    const instances = Math.max(1, Math.round((sessions - long) / (100 * 16)));
    await writeScaleTree(dir, { experiment: "wide-run", steps: 100, instances, rollouts: 16, forcedEvery: 101, seed: 9 });
    written = long + 100 * instances * 16;
  }
  const seconds = (performance.now() - started) / 1000;
  await writeFile(marker, `${written} sessions, written in ${seconds.toFixed(0)} s\n`);
  log(`tree: ${written.toLocaleString("en-US")} sessions written to ${dir} in ${seconds.toFixed(0)} s`);
  return dir;
}

/** Runs `trajlog view` on `dir` and measures it. */
async function measure(dir, sessions) {
  const loadBefore = load();
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, "view", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("http://"));
      if (line !== undefined) resolve(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`trajlog view exited with ${code}: ${stderr}`)));
  });
  const listenMs = performance.now() - started;
  log(`\n${sessions.toLocaleString("en-US")} files (${dir}); ${machine()}`);
  log(`  listening after ${fmt(listenMs)}   load ${loadBefore}`);
  try {
    // While the index fills: what an open page asks for, as the page does (its poll every
    // second, and a refresh of the experiments and sessions pages when something changed).
    const during = { version: [], overview: [], sessions: [] };
    const progress = [];
    for (let first = true; ; first = false) {
      if (!first) await new Promise((resolve) => setTimeout(resolve, 1000));
      const version = await timed(url, "/api/version", during.version);
      progress.push(version.body.indexing ?? null);
      // A build without background indexing has no `indexing`: its index is full once it listens.
      if ((version.body.indexing ?? null) === null) break;
      await timed(url, "/api/overview", during.overview);
      await timed(url, "/api/sessions?sort=reward&order=desc&limit=50", during.sessions);
    }
    const indexedMs = performance.now() - started;
    const firstPartial = progress.find((p) => p !== null && p.indexed > 0 && p.indexed < p.total) ?? null;
    log(`  index full after ${fmt(indexedMs)}; ${progress.length} polls while indexing` +
      (firstPartial === null ? "" : ` (e.g. "indexing ${firstPartial.indexed} of ${firstPartial.total}")`) + `   load ${load()}`);
    const row = { listenMs: sig(listenMs), indexedMs: sig(indexedMs), loadBefore, during: {}, pages: {}, searches: {} };
    for (const [name, list] of Object.entries(during)) {
      if (list.length === 0) continue;
      row.during[name] = spread(list);
      log(`  while indexing: ${name.padEnd(34)} ${line(list)}`);
    }
    const version = await (await fetch(new URL("/api/version", url))).json();
    const total = (await (await fetch(new URL("/api/sessions?limit=1", url))).json()).total;
    const overview = (await (await fetch(new URL("/api/overview", url))).json()).experiments;
    const widest = overview.reduce((a, b) => (b.steps.length > a.steps.length ? b : a));
    const step = widest.steps[Math.floor(widest.steps.length / 2)].step;
    const groups = (await (await fetch(new URL(`/api/step?experiment=${encodeURIComponent(widest.experiment)}&step=${step}`, url))).json()).groups;
    const fill = (target) => target
      .replace("{deep}", String(Math.max(0, Math.floor(total / 2))))
      .replaceAll("{e}", encodeURIComponent(widest.experiment))
      .replaceAll("{s}", String(step))
      .replaceAll("{i}", encodeURIComponent(groups[0].instanceId));
    // Interleaved: every page once per round, so that a burst of load hits all alike.
    const times = new Map(PAGES.map(([name]) => [name, []]));
    const loadPages = load();
    for (let i = 0; i < REPEATS; i++) {
      for (const [name, target] of PAGES) await timed(url, fill(target), times.get(name));
    }
    for (const [name] of PAGES) {
      row.pages[name] = spread(times.get(name));
      log(`  ${name.padEnd(50)} ${line(times.get(name))}`);
    }
    const all = [...times.values()].flat();
    row.allPages = spread(all);
    log(`  ${"every page above".padEnd(50)} ${line(all)}   load ${loadPages} → ${load()}; generation ${version.generation}`);
    for (const [name, target] of SEARCHES) {
      const list = [];
      for (let i = 0; i < Math.max(3, Math.floor(REPEATS / 4)); i++) await timed(url, fill(target), list);
      row.searches[name] = spread(list);
      log(`  ${name.padEnd(50)} ${line(list)}`);
    }
    row.peakRssMb = sig(peakRssMb(child.pid));
    row.loadAfter = load();
    log(`  peak RSS of trajlog view ${row.peakRssMb} MB   load ${row.loadAfter}`);
    return row;
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
  }
}

/** GETs `target`, reads the whole body, appends the milliseconds to `into`; the body parsed when JSON. */
async function timed(url, target, into) {
  const started = performance.now();
  const response = await fetch(new URL(target, url));
  const text = await response.text();
  into.push(performance.now() - started);
  if (!response.ok) throw new Error(`${target}: ${response.status} ${text}`);
  return { body: response.headers.get("content-type")?.includes("application/json") ? JSON.parse(text) : text };
}

function spread(list) {
  return { n: list.length, p50Ms: sig(quantile(list, 0.5)), p99Ms: sig(quantile(list, 0.99)), maxMs: sig(Math.max(...list)) };
}

function line(list) {
  const s = spread(list);
  return `n=${String(s.n).padStart(4)}  p50 ${fmt(s.p50Ms)}  p99 ${fmt(s.p99Ms)}  max ${fmt(s.maxMs)}`;
}

function fmt(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s`.padStart(9) : `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`.padStart(9);
}

/** Peak resident set size of a process, from /proc (Linux). */
function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}
