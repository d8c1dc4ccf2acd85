// Export throughput and memory: writes ~1 GB of realistic session logs with the SDK into a
// temporary directory, runs `trajlog export --all` on it through the real CLI as a child
// process, and reports input MB/s and the child's peak RSS.
//
//   npm run build && node bench/export.mjs [--size-mb 1024] [--format opentraces] [--json] [--smoke]
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { TrajectoryLogger } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "1024" },
    format: { type: "string", default: "opentraces" },
    json: { type: "boolean", default: false },
    // A few megabytes: proves the script still runs, not how fast.
    smoke: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const sizeMb = values.smoke ? 4 : Number(values["size-mb"]);
if (!Number.isFinite(sizeMb) || sizeMb <= 0) {
  throw new TypeError(`--size-mb expects a positive number; received ${JSON.stringify(values["size-mb"])}`);
}
const cli = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const log = (text) => values.json || process.stderr.write(`${text}\n`);

const root = await mkdtemp(path.join(os.tmpdir(), "trajlog-bench-export-"));
try {
  const logDir = path.join(root, "logs");
  log(`writing ~${sizeMb} MB of sessions under ${logDir} ...`);
  const generated = await generate(logDir, sizeMb * 1024 * 1024);
  // --format rlm writes a directory of copies; the others one JSONL file.
  const out = path.join(root, values.format === "rlm" ? "export-rlm" : "export.jsonl");
  log(`exporting ${generated.files} sessions (${mb(generated.bytes)} MB) as ${values.format} ...`);
  const run = await timedExport(["export", logDir, "--all", "--format", values.format, "-o", out, "--quiet"]);
  const outBytes = await sizeOf(out);
  const result = {
    format: values.format,
    sessions: generated.files,
    input_mb: round(mb(generated.bytes)),
    output_mb: round(mb(outBytes)),
    seconds: round(run.seconds),
    input_mb_per_s: round(mb(generated.bytes) / run.seconds),
    // CPU time of the export process: the figure that load from other processes moves least.
    cpu_seconds: run.cpuSeconds === null ? null : round(run.cpuSeconds),
    input_mb_per_cpu_s: run.cpuSeconds === null ? null : round(mb(generated.bytes) / run.cpuSeconds),
    load_average_1m: round(os.loadavg()[0]),
    peak_rss_mb: round(run.peakRssKb / 1024),
    exit_code: run.code,
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const rows = Object.entries(result);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  }
  if (run.code !== 0) process.exitCode = 1;
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
