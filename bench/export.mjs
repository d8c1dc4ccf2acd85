// Export throughput and memory: writes ~1 GB of realistic session logs with the SDK into a
// temporary directory, then runs `trajlog export --all` on it through the real CLI as a child
// process, `--runs` times per format, the formats taking turns run by run; reports input MB/s
// (median and interquartile range over the runs), MB per CPU second of the child, its peak
// RSS, and the 1-minute load average before and after every run.
//
//   npm run build && node bench/export.mjs [--size-mb 1024] [--formats opentraces,messages] [--runs 3] [--json] [--smoke]
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { TrajectoryLogger } from "../dist/index.js";
import { loadAverage, rotate, sig, spread } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "1024" },
    formats: { type: "string", default: "opentraces" },
    // The former single-format flag, still accepted.
    format: { type: "string" },
    runs: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
    // A few megabytes, one run: proves the script still runs, not how fast.
    smoke: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const sizeMb = values.smoke ? 4 : Number(values["size-mb"]);
if (!Number.isFinite(sizeMb) || sizeMb <= 0) {
  throw new TypeError(`--size-mb expects a positive number; received ${JSON.stringify(values["size-mb"])}`);
}
const runs = values.smoke ? 1 : Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  throw new TypeError(`--runs expects a positive integer; received ${JSON.stringify(values.runs)}`);
}
const formats = (values.format ?? values.formats).split(",");
const cli = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const log = (text) => values.json || process.stderr.write(`${text}\n`);

const root = await mkdtemp(path.join(os.tmpdir(), "trajlog-bench-export-"));
try {
  const logDir = path.join(root, "logs");
  log(`writing ~${sizeMb} MB of sessions under ${logDir} ...`);
  const generated = await generate(logDir, sizeMb * 1024 * 1024);
  const inputMb = mb(generated.bytes);
  const per = Object.fromEntries(formats.map((f) => [f, []]));
  for (let r = 0; r < runs; r++) {
    for (const format of rotate(formats, r)) {
      // --format rlm writes a directory of copies; the others one JSONL file.
      const out = path.join(root, format === "rlm" ? `export-rlm-${r}` : `export-${format}-${r}.jsonl`);
      log(`run ${r + 1}/${runs}: exporting ${generated.files} sessions (${round(inputMb)} MB) as ${format} ...`);
      const loadBefore = loadAverage()[0];
      const run = await timedExport(["export", logDir, "--all", "--format", format, "-o", out, "--quiet"]);
      if (run.code !== 0) process.exitCode = 1;
      per[format].push({ ...run, outBytes: await sizeOf(out), load: [loadBefore, loadAverage()[0]] });
      await rm(out, { recursive: true, force: true });
    }
  }
  const result = {
    input_mb: round(inputMb),
    sessions: generated.files,
    runs,
    formats: {},
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
  };
  for (const [format, list] of Object.entries(per)) {
    const cpu = list.filter((x) => x.cpuSeconds !== null);
    result.formats[format] = {
      input_mb_per_s: spread(list.map((x) => inputMb / x.seconds)),
      // CPU time of the export process: the figure that load from other processes moves least.
      input_mb_per_cpu_s: cpu.length === 0 ? null : spread(cpu.map((x) => inputMb / x.cpuSeconds)),
      seconds: spread(list.map((x) => x.seconds)),
      peak_rss_mb: sig(Math.max(...list.map((x) => x.peakRssKb / 1024))),
      output_mb: round(mb(list[0].outBytes)),
      load_average_1m: list.map((x) => x.load),
      exit_codes: list.map((x) => x.code),
    };
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    for (const [format, f] of Object.entries(result.formats)) {
      process.stdout.write(
        `${format}: ${f.input_mb_per_s.median} MiB/s [${f.input_mb_per_s.iqr.join("–")}] over ${runs} runs of ${result.input_mb} MiB ` +
          `(${result.sessions} sessions); ${f.input_mb_per_cpu_s?.median ?? "?"} MiB per CPU s; peak RSS ${f.peak_rss_mb} MB; ` +
          `output ${f.output_mb} MiB; load ${f.load_average_1m.map((l) => l.join("→")).join(", ")}\n`,
      );
    }
  }
} finally {
  if (!values.keep) await rm(root, { recursive: true, force: true });
}

/** Sessions shaped like real RLM rollouts: a growing conversation, code blocks, sub-model calls. */
async function generate(logDir, targetBytes) {
  const logger = new TrajectoryLogger({ logDir, experimentName: "bench-export", sampleRate: 1, seed: 1 });
  const words = "the of and to in is that for it with as was on be by this are from at or an have not which but".split(" ");
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const text = (n) => {
    let s = "";
    while (s.length < n) s += `${words[Math.floor(rand() * words.length)]} `;
    return s;
  };
  const paragraphs = Array.from({ length: 64 }, () => text(1500));
  const code = "import re\nfor m in re.finditer(r'def (\\w+)', source):\n    print(m.group(1))\n";
  let written = 0;
  let sessions = 0;
  while (written < targetBytes) {
    const batch = [];
    for (let i = 0; i < 16; i++, sessions++) {
      const step = Math.floor(sessions / 200);
      const session = logger.startSession({
        instanceId: `repo__issue-${sessions % 97}`,
        trainingStep: step,
        modelName: "qwen2.5-coder-32b",
        configMetadata: { max_steps: 12, task: `Resolve issue ${sessions % 97}` },
      });
      const messages = [
        { role: "system", content: paragraphs[0] },
        { role: "user", content: paragraphs[1 + (sessions % 60)] },
      ];
      const turns = 6 + (sessions % 7);
      for (let turn = 1; turn <= turns; turn++) {
        const response = `${paragraphs[(turn * 7 + sessions) % 64].slice(0, 600)}\n\`\`\`repl\n${code}\`\`\``;
        session.logIteration({
          prompt: messages,
          response,
          code,
          result: {
            stdout: paragraphs[(turn + sessions) % 64].slice(0, 900),
            stderr: turn % 5 === 0 ? "Traceback (most recent call last):\n  ValueError: bad input\n" : "",
            locals: { matches: turn * 3, found: turn % 2 === 0 },
            executionTime: 0.01 * turn,
            rlmCalls: [{ rootModel: "qwen2.5-7b", prompt: text(200), response: text(300), promptTokens: 60, completionTokens: 80, executionTime: 0.2 }],
          },
          finalAnswer: turn === turns ? "patched" : null,
          iterationTime: 1.5 + turn * 0.1,
          usage: { promptTokens: 400 * messages.length, completionTokens: 150 },
        });
        messages.push({ role: "assistant", content: response });
        messages.push({ role: "user", content: `stdout:\n${paragraphs[(turn + sessions) % 64].slice(0, 900)}` });
      }
      batch.push(session.finalize({ reward: sessions % 3 === 0 ? 1 : 0 }));
    }
    await Promise.all(batch);
    written = logger.stats().bytesWritten;
  }
  await logger.close();
  return { files: await countFiles(logDir), bytes: logger.stats().bytesWritten };
}

async function sizeOf(target) {
  const info = await stat(target);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(target, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function countFiles(dir) {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) n++;
  return n;
}

/** Runs the CLI under /usr/bin/time -v when present (peak RSS of the child), else polls VmHWM. */
async function timedExport(args) {
  const useTime = await stat("/usr/bin/time").then(() => true, () => false);
  const command = useTime ? "/usr/bin/time" : process.execPath;
  const argv = useTime ? ["-v", process.execPath, cli, ...args] : [cli, ...args];
  const started = process.hrtime.bigint();
  const child = spawn(command, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let polledKb = 0;
  const poll = useTime
    ? null
    : setInterval(async () => {
        try {
          const status = await (await import("node:fs/promises")).readFile(`/proc/${child.pid}/status`, "utf8");
          const m = /VmHWM:\s+(\d+) kB/.exec(status);
          if (m) polledKb = Math.max(polledKb, Number(m[1]));
        } catch {}
      }, 20);
  const code = await new Promise((resolve) => child.on("close", resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  if (code !== 0) process.stderr.write(stderr);
  const cpuSeconds = user && sys ? Number(user[1]) + Number(sys[1]) : null;
  return { code, seconds, cpuSeconds, peakRssKb: m ? Number(m[1]) : polledKb };
}

function mb(bytes) {
  return bytes / (1024 * 1024);
}

function round(x) {
  return Math.round(x * 10) / 10;
}
