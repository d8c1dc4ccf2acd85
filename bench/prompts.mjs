// What the delta prompt encoding saves and costs: the same growing conversations logged with
// `prompts: "full"` and `prompts: "delta"`, side by side in one run.
//
// A conversation is what an agent resends every iteration: a system prompt and a task, then per
// iteration the model's reply and the REPL's output appended (~2.3 KB of new text per turn).
// For 15, 50 and 200 iterations it reports bytes on disk per session in both modes; for the
// 50-iteration size, rounds alternate the two modes and report the medians of the per-round
// ratios (delta / full) of the time spent inside logIteration, of the wall time until every
// line is on disk, and of the time to read the files back (readSession: delta prompts rebuilt)
// and export them (toOpenTraces), with their interquartile ranges.
//
//   node bench/prompts.mjs [--rounds 7] [--json] [--smoke]
//
// Run `npm run build` first: it measures dist/, the code users get.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import seedrandom from "seedrandom";
import { readSession, toOpenTraces, TrajectoryLogger } from "../dist/index.js";
import { scriptArgs } from "./lib/script-args.mjs";
import { quantile, sig } from "./lib/stats.mjs";

const { smoke, json, flag } = scriptArgs();
const rounds = flag("rounds", smoke ? 1 : 7);
/** Iterations per session, and sessions per size (fewer long ones: a full 200-iteration file is ~50 MB). */
const SIZES = smoke ? [[15, 2], [50, 1]] : [[15, 16], [50, 8], [200, 2]];
const TIMED_SIZE = 50;
const TIMED_SESSIONS = smoke ? 2 : 8;

const rng = seedrandom("trajlog-prompts-bench");
const words = ("the a model test file function return value error import module class def self data loss gradient batch " +
  "token prompt reward policy step update parse config path line output result check assert list dict string number " +
  "index range print open read write except raise none true false").split(" ");
const text = (bytes) => {
  let out = "";
  while (out.length < bytes) out += `${words[Math.floor(rng() * words.length)]} `;
  return out.slice(0, bytes);
};

/** One rollout's iterations, made before any timing: a prompt that grows by the reply and the output. */
function conversation(iterations) {
  const messages = [
    { role: "system", content: text(1500) },
    { role: "user", content: text(1000) },
  ];
  const out = [];
  for (let i = 1; i <= iterations; i++) {
    const code = `print(${i})\n${text(250)}`;
    const response = `${text(700)}\n\`\`\`repl\n${code}\n\`\`\``;
    const stdout = text(1200);
    out.push({ prompt: messages.slice(), response, code, result: { stdout, executionTime: 0.1 }, iterationTime: 1.5 });
    messages.push({ role: "assistant", content: response }, { role: "user", content: `REPL output:\n${stdout}` });
  }
  return out;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "trajlog-prompts-bench-"));

/** Logs `sessions` rollouts concurrently (iterations round-robin); returns time inside logIteration and until flushed. */
async function logRun(mode, rollouts, dir) {
  const logger = new TrajectoryLogger({ logDir: dir, experimentName: "bench", sampleRate: 1, prompts: mode });
  const sessions = rollouts.map((_, i) => logger.startSession({ instanceId: `task-${i}`, trainingStep: 0, modelName: "m" }));
  const started = performance.now();
  let inside = 0;
  const n = rollouts[0].length;
  for (let i = 0; i < n; i++) {
    for (const [s, session] of sessions.entries()) {
      const t = performance.now();
      session.logIteration(rollouts[s][i]);
      inside += performance.now() - t;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(sessions.map((session) => session.finalize({ reward: 1 })));
  await logger.close();
  return { insideMs: inside, wallMs: performance.now() - started };
}

function files(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".jsonl"))
    .map((e) => path.join(e.parentPath, e.name));
}

const bytesOf = (dir) => files(dir).reduce((sum, file) => sum + fs.statSync(file).size, 0);

async function readRun(dir) {
  const started = performance.now();
  let steps = 0;
  for (const file of files(dir)) steps += toOpenTraces(await readSession(file)).steps.length;
  return { ms: performance.now() - started, steps };
}

const summary = (ratios) => ({ median: sig(quantile(ratios, 0.5)), iqr: [sig(quantile(ratios, 0.25)), sig(quantile(ratios, 0.75))] });

try {
  const loadAverageAtStart = os.loadavg().map((x) => sig(x, 2));
  const disk = {};
  for (const [iterations, sessions] of SIZES) {
    const rollouts = Array.from({ length: sessions }, () => conversation(iterations));
    const per = {};
    for (const mode of ["full", "delta"]) {
      const dir = path.join(work, `disk-${iterations}-${mode}`);
      await logRun(mode, rollouts, dir);
      per[mode] = bytesOf(dir) / sessions;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    disk[`${iterations} iterations`] = {
      fullKBPerSession: sig(per.full / 1024),
      deltaKBPerSession: sig(per.delta / 1024),
      "delta/full": sig(per.delta / per.full),
    };
  }

  const rollouts = Array.from({ length: TIMED_SESSIONS }, () => conversation(TIMED_SIZE));
  const ratios = { logIteration: [], untilOnDisk: [], readAndExport: [] };
  const absolute = { full: { logIterationUs: [], readMBps: [] }, delta: { logIterationUs: [], readMBps: [] } };
  let fullBytes = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ["full", "delta"] : ["delta", "full"];
    const got = {};
    for (const mode of order) {
      const dir = path.join(work, `timed-${r}-${mode}`);
      const logged = await logRun(mode, rollouts, dir);
      if (mode === "full") fullBytes = bytesOf(dir);
      const read = await readRun(dir);
      got[mode] = { ...logged, readMs: read.ms };
      absolute[mode].logIterationUs.push((logged.insideMs * 1000) / (TIMED_SESSIONS * TIMED_SIZE));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    ratios.logIteration.push(got.delta.insideMs / got.full.insideMs);
    ratios.untilOnDisk.push(got.delta.wallMs / got.full.wallMs);
    ratios.readAndExport.push(got.delta.readMs / got.full.readMs);
    // Throughput in bytes of the logical (whole-prompt) content, so both modes count the same work.
    absolute.full.readMBps.push(fullBytes / 1e6 / (got.full.readMs / 1000));
    absolute.delta.readMBps.push(fullBytes / 1e6 / (got.delta.readMs / 1000));
  }
  const result = {
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg().map((x) => sig(x, 2)),
    diskPerSession: disk,
    [`timed: ${TIMED_SESSIONS} sessions x ${TIMED_SIZE} iterations, ${rounds} rounds, delta/full (median [IQR])`]: {
      timeInsideLogIteration: summary(ratios.logIteration),
      wallTimeUntilOnDisk: summary(ratios.untilOnDisk),
      readAndExportTime: summary(ratios.readAndExport),
    },
    [`absolute medians (${TIMED_SIZE} iterations)`]: {
      fullLogIterationUs: sig(quantile(absolute.full.logIterationUs, 0.5)),
      deltaLogIterationUs: sig(quantile(absolute.delta.logIterationUs, 0.5)),
      fullReadAndExportLogicalMBps: sig(quantile(absolute.full.readMBps, 0.5)),
      deltaReadAndExportLogicalMBps: sig(quantile(absolute.delta.readMBps, 0.5)),
    },
  };
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
