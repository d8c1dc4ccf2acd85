// Latencies of the viewer on a large generated tree: search (time to the first result and to
// the end, a rare and a common text), the instance grid of a 500-step × 16-rollout instance,
// a group of 16 and the overview, as p50 / p99 over repeated requests. Run it with
// `npm run build && node bench/viewer.mjs [sessions]` (default 100,000); the tree goes to a
// temporary directory that is removed at the end. It prints the machine and its load.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startViewer } from "../dist/viewer/server/server.js";
import { writeScaleTree } from "../scripts/scale-tree.mjs";

const SESSIONS = Number(process.argv[2] ?? 100_000);
const REPEATS = Number(process.env.REPEATS ?? 20);

const root = await mkdtemp(path.join(os.tmpdir(), "trajlog-viewer-bench-"));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");
try {
  let t = performance.now();
  // One instance at 500 steps × 16 rollouts; the rest in groups of 16 over 100 steps.
  await writeScaleTree(root, { experiment: "long-run", steps: 500, instances: 1, rollouts: 16, forcedEvery: 37 });
  const rest = Math.max(0, SESSIONS - 8000);
  const instances = Math.max(1, Math.round(rest / (100 * 16)));
  await writeScaleTree(root, { experiment: "wide-run", steps: 100, instances, rollouts: 16, forcedEvery: 101, seed: 9 });
  const written = 8000 + 100 * instances * 16;
  console.log(`tree: ${written.toLocaleString("en-US")} sessions written in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  t = performance.now();
  const viewer = await startViewer({ logDir: root, port: 0, pollMs: 3_600_000 });
  console.log(`index: ${viewer.index.rows().length.toLocaleString("en-US")} sessions indexed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const cases = [
    ["overview", "/api/overview"],
    ["instance grid 500 × 16", "/api/instance?experiment=long-run&instance=task-0000"],
    ["group of 16", "/api/group?experiment=wide-run&step=50&instance=task-0007"],
    ["search, rare text (whole tree, 0 results)", "/api/search?q=no%20such%20text%20anywhere"],
    ["search, common text (first 100)", "/api/search?q=patch%20applied"],
    ["search, one experiment step", "/api/search?q=AssertionError&experiment=wide-run&step=42"],
  ];
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
  for (const [label, target] of cases) {
    const whole = [];
    const first = [];
    const repeats = target.includes("rare") || label.includes("rare") ? Math.max(3, Math.floor(REPEATS / 4)) : REPEATS;
    const before = load();
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      const response = await fetch(new URL(target, viewer.url));
      const reader = response.body.getReader();
      let firstAt = null;
      for (;;) {
        const { done } = await reader.read();
        if (firstAt === null) firstAt = performance.now() - started;
        if (done) break;
      }
      whole.push(performance.now() - started);
      first.push(firstAt);
    }
    console.log(`${label.padEnd(44)} n=${String(repeats).padStart(3)}  first byte p50 ${ms(pct(first, 0.5))} p99 ${ms(pct(first, 0.99))}  ` +
      `whole p50 ${ms(pct(whole, 0.5))} p99 ${ms(pct(whole, 0.99))}   load ${before} → ${load()}`);
  }
  await viewer.close();
} finally {
  await rm(root, { recursive: true, force: true });
}

function pct(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function ms(x) {
  return `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`.padStart(9);
}
