// What secret redaction costs: trajlog throughput with `redact: true` (the default) against
// `redact: false`, side by side in one run, on realistic ~10 KB iteration records.
//
// Each round writes the same pre-generated records through a fresh logger: 3 groups of 32
// concurrent rollouts of 15 iterations (sample rate 1, iterations interleaved round-robin,
// every session finalized), timed until flush() resolves. Rounds alternate between the two
// modes; the cost is the median of the on/off time ratios of back-to-back runs, which a busy
// machine disturbs least.
//
//   node bench/redact.mjs [--rounds 21] [--iterations 15] [--batches 3] [--json]
//
// Run `npm run build` first: it measures dist/, the code users get.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import seedrandom from "seedrandom";
import { TrajectoryLogger } from "../dist/index.js";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const json = args.includes("--json");
const rounds = flag("rounds", 21);
const iterations = flag("iterations", 15);
const batches = flag("batches", 3);
const SESSIONS = 32;

const rng = seedrandom("trajlog-redact-bench");
const pick = (list) => list[Math.floor(rng() * list.length)];
const int = (lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));
const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");
const b64 = (n) =>
  Array.from({ length: n }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[int(0, 63)]).join("");
const words = ("the a model test file function return value error import module class def self data loss " +
  "gradient batch token prompt reward policy step update parse config path line output result check " +
  "assert list dict string number index range print open read write except raise none true false").split(" ");
const sentence = (n) => Array.from({ length: n }, () => pick(words)).join(" ");

const CODE = [
  "import json\nwith open('config.json') as f:\n    cfg = json.load(f)\nprint(cfg['model'], cfg['max_steps'])",
  "import subprocess\nout = subprocess.run(['pytest', '-x', 'tests/test_io.py'], capture_output=True, text=True)\nprint(out.stdout[-2000:])",
  "def tokenize(text, token=None):\n    parts = text.split()\n    return [p.lower() for p in parts if p]\n\nprint(tokenize(open('README.md').read())[:50])",
  "import os\nfor root, dirs, files in os.walk('src'):\n    for name in files:\n        print(os.path.join(root, name))",
  "resp = llm_query(f'Summarize this diff:\\n{diff[:4000]}')\nprint(resp)",
];

function stdout() {
  const kind = int(0, 3);
  if (kind === 0) {
    return Array.from({ length: int(20, 45) }, (_, i) =>
      `tests/test_${pick(words)}.py::test_${pick(words)}_${i} ${pick(["PASSED", "PASSED", "FAILED", "SKIPPED"])} [${String(i * 2).padStart(3)}%]`,
    ).join("\n");
  }
  if (kind === 1) {
    return Array.from({ length: int(15, 35) }, () => `src/${pick(words)}/${pick(words)}_${hex(6)}.py`).join("\n");
  }
  if (kind === 2) {
    return `commit ${hex(40)}\nAuthor: Dev <dev@example.com>\nDate:   Mon Feb 16 10:${int(10, 59)}:00 2026\n\n    ${sentence(12)}\n\n` +
      `diff --git a/src/${pick(words)}.py b/src/${pick(words)}.py\nindex ${hex(7)}..${hex(7)} 100644\n` +
      Array.from({ length: int(15, 30) }, () => `${pick(["+", "-", " "])}    ${sentence(int(4, 10))}`).join("\n");
  }
  return `Downloading https://files.pythonhosted.org/packages/${hex(2)}/${hex(2)}/${hex(60)}/pkg-1.${int(0, 9)}.whl\n` +
    `data:image/png;base64,${b64(int(600, 1400))}\n` +
    Array.from({ length: int(8, 16) }, () => `INFO ${new Date(1771236000000 + int(0, 1e7)).toISOString()} ${sentence(8)} id=${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`).join("\n");
}

const SECRETS = [
  () => `OPENAI_API_KEY=sk-proj-${b64(40).replace(/[+/]/g, "x")}`,
  () => `aws_access_key_id = AKIA${hex(16).toUpperCase()}`,
  () => `Authorization: Bearer ${b64(48).replace(/[+/]/g, "y")}`,
  () => `GITHUB_TOKEN=ghp_${b64(36).replace(/[+/]/g, "z")}`,
];

/** One session's iteration records: the prompt grows turn by turn. */
function sessionRecords(n) {
  const messages = [
    { role: "system", content: `You are a software engineer working in a Python REPL. ${sentence(150)}` },
    { role: "user", content: `Fix the failing test in repo_${hex(6)}. ${sentence(60)}` },
  ];
  const out = [];
  for (let i = 1; i <= n; i++) {
    // A rare leaked credential, as a careless command would print it (about 1 record in 40).
    const leak = rng() < 0.025 ? `\n${pick(SECRETS)()}\n` : "";
    const code = pick(CODE);
    const response = `${sentence(int(30, 80))}\n\`\`\`repl\n${code}\n\`\`\``;
    const out1 = stdout() + leak;
    out.push({
      iteration: i,
      prompt: messages.slice(),
      response,
      code,
      result: {
        stdout: out1,
        stderr: rng() < 0.3 ? `Traceback (most recent call last):\n  File "src/${pick(words)}.py", line ${int(1, 400)}, in ${pick(words)}\nValueError: ${sentence(6)}` : "",
        locals: { cfg: { model: "qwen2.5-coder-32b", max_steps: 15, lr: 1e-5 }, files: int(1, 90), sha: hex(40), done: false },
        executionTime: rng(),
        rlmCalls: rng() < 0.5 ? [{ rootModel: "qwen2.5-7b", prompt: `Summarize:\n${sentence(80)}`, response: sentence(40), promptTokens: int(100, 900), completionTokens: int(10, 90), executionTime: rng() }] : [],
      },
      finalAnswer: i === n ? "patched" : null,
      iterationTime: rng() * 3,
      usage: { promptTokens: int(500, 9000), completionTokens: int(20, 400) },
    });
    // The whole conversation is sent again next turn, as a chat loop does.
    messages.push({ role: "assistant", content: response });
    messages.push({ role: "user", content: `stdout:\n${out1.slice(0, 400)}` });
  }
  return out;
}

// batches × SESSIONS rollouts of `iterations` steps each.
const records = Array.from({ length: batches }, () => Array.from({ length: SESSIONS }, () => sessionRecords(iterations)));

async function round(redact) {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "trajlog-bench-redact-"));
  try {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, redact });
    for (let b = 0; b < batches; b++) {
      // 32 rollouts at once, their iterations interleaved, then the next group.
      const sessions = records[b].map((_, s) =>
        logger.startSession({ instanceId: `inst-${s}`, trainingStep: b, modelName: "qwen2.5-coder-32b", rolloutId: s }),
      );
      for (let i = 0; i < iterations; i++) {
        for (let s = 0; s < SESSIONS; s++) sessions[s].logIteration(records[b][s][i]);
      }
      for (const session of sessions) session.finalize({ reward: 1 });
    }
    const logged = performance.now() - started;
    await logger.flush();
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const stats = logger.stats();
    await logger.close();
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, logMs: logged, bytes: stats.bytesWritten, lines: stats.linesWritten, redactions: stats.redactions };
  } finally {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await round(true); // warm-up: JIT and file system
await round(false);
const on = [];
const off = [];
const ratios = [];
const cpuRatios = [];
const syncRatios = [];
for (let r = 0; r < rounds; r++) {
  // Alternate which mode goes first, so drift on a shared machine hits both alike; the
  // ratio is taken within each pair of back-to-back runs, and its median reported.
  let a;
  let b;
  if (r % 2 === 0) {
    a = await round(true);
    b = await round(false);
  } else {
    b = await round(false);
    a = await round(true);
  }
  on.push(a);
  off.push(b);
  ratios.push(a.ms / b.ms);
  cpuRatios.push(a.cpuMs / b.cpuMs);
  syncRatios.push(a.logMs / b.logMs);
}

const summarize = (runs) => {
  const ms = median(runs.map((r) => r.ms));
  const { bytes, lines, redactions } = runs[0];
  return {
    ms: +ms.toFixed(1),
    cpuMs: +median(runs.map((r) => r.cpuMs)).toFixed(1),
    logIterationMs: +median(runs.map((r) => r.logMs)).toFixed(1),
    recordsPerSec: Math.round((batches * SESSIONS * iterations) / (ms / 1000)),
    mbPerSec: +(bytes / 1e6 / (ms / 1000)).toFixed(1),
    bytes,
    lines,
    redactions,
  };
};
const result = {
  sessions: SESSIONS,
  iterations,
  batches,
  records: batches * SESSIONS * iterations,
  avgRecordBytes: Math.round(summarize(off).bytes / (batches * SESSIONS * (iterations + 2))),
  rounds,
  redactOn: summarize(on),
  redactOff: summarize(off),
  /** Median over rounds of (time with redaction) / (time without), back-to-back runs. */
  costRatio: +median(ratios).toFixed(3),
  /** The same for the process's CPU time (user + system): steadier when other processes compete. */
  cpuCostRatio: +median(cpuRatios).toFixed(3),
  /** The same for the time spent in logIteration/finalize calls: what the training loop waits for. */
  logIterationCostRatio: +median(syncRatios).toFixed(3),
  /** Best time with redaction over best time without: the least disturbed runs of each. */
  bestCostRatio: +(Math.min(...on.map((r) => r.ms)) / Math.min(...off.map((r) => r.ms))).toFixed(3),
};
result.extraCostPercent = +((result.costRatio - 1) * 100).toFixed(1);
result.extraCpuPercent = +((result.cpuCostRatio - 1) * 100).toFixed(1);
result.extraLogIterationPercent = +((result.logIterationCostRatio - 1) * 100).toFixed(1);
result.loadAverage = os.loadavg().map((x) => +x.toFixed(2));
result.cpus = os.cpus().length;

if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`${result.records} records of ~${result.avgRecordBytes} B, ${SESSIONS} sessions, ${rounds} rounds of each`);
  console.log(`redact on : ${result.redactOn.ms} ms  ${result.redactOn.recordsPerSec} records/s  ${result.redactOn.mbPerSec} MB/s  (${result.redactOn.redactions} secrets redacted)`);
  console.log(`redact off: ${result.redactOff.ms} ms  ${result.redactOff.recordsPerSec} records/s  ${result.redactOff.mbPerSec} MB/s`);
  const pct = (x) => `${x >= 0 ? "+" : ""}${x}%`;
  console.log(`wall time on/off (median of per-round ratios): ${result.costRatio} (${pct(result.extraCostPercent)})`);
  console.log(`CPU time on/off (median of per-round ratios):  ${result.cpuCostRatio} (${pct(result.extraCpuPercent)})`);
  console.log(`logIteration time on/off (median of ratios):   ${result.logIterationCostRatio}`);
  console.log(`best wall time on / best off:                  ${result.bestCostRatio}`);
  console.log(`load average ${result.loadAverage.join(" ")} on ${result.cpus} CPUs`);
}
