/**
 * The longest single `logIteration` call: inputs from 8 to 64 MiB of different layouts (one
 * huge string, ASCII or not; many strings of 1 MiB in the prompt; a huge tool output in
 * locals; hundreds of thousands of small locals, short messages or small code blocks), each
 * timed beside a warm `JSON.stringify` of the same record, interleaved.
 *
 *   npm run build && node bench/worst-call.mjs [--json] [--smoke] [--reps N] [--dist OTHER_DIST]
 *     [--layout PREFIX] [--mib N]
 *
 * `--dist` times another build (e.g. a copy of main's dist/, with a package.json and
 * node_modules beside it) instead of this one, for before/after figures. `--layout` keeps the
 * layouts whose name starts with PREFIX, `--mib` one input size: one case timed on its own,
 * without the garbage the other layouts leave behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { scriptArgs } from "./lib/script-args.mjs";
import { loadAverage, median, nowNs, sig } from "./lib/stats.mjs";

const distArg = process.argv.indexOf("--dist");
const dist = distArg === -1 ? new URL("../dist/", import.meta.url).pathname : path.resolve(process.argv[distArg + 1] ?? "");
const { TrajectoryLogger } = await import(pathToFileURL(path.join(dist, "index.js")).href);
const { buildIterationLine } = await import(pathToFileURL(path.join(dist, "lines.js")).href);
const args = scriptArgs();
const MiB = 1024 * 1024;
const mib = args.flag("mib", 0);
const sizes = mib > 0 ? [mib * MiB] : args.smoke ? [1 * MiB] : [8 * MiB, 24 * MiB, 64 * MiB];
const layoutArg = process.argv.indexOf("--layout");
const layoutPrefix = layoutArg === -1 ? "" : (process.argv[layoutArg + 1] ?? "");
const reps = args.flag("reps", args.smoke ? 1 : 3);

const words = "the a of to and in is it for that with as on this be are from at by not or have an value error test file".split(" ");
function text(units, extra = "") {
  const piece = Array.from({ length: 4096 }, (_, i) => words[(i * 7919) % words.length] + (i % 13 === 0 ? `\n${extra}` : " ")).join("");
  return piece.repeat(Math.ceil(units / piece.length)).slice(0, units);
}

/** Input layouts of about `bytes` bytes each. */
const LAYOUTS = {
  "one ASCII string (response)": (bytes) => ({ prompt: [{ role: "user", content: "go" }], response: text(bytes) }),
  "one 3-byte string (stdout)": (bytes) => ({ prompt: [{ role: "user", content: "go" }], response: "ok", codeBlocks: [{ code: "x", result: { stdout: text(bytes / 3, "€").replace(/[a-z]/g, "€") } }] }),
  "prompt of 1 MiB messages": (bytes) => ({
    prompt: Array.from({ length: Math.round(bytes / MiB) }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: text(MiB - 64) })),
    response: "ok",
  }),
  "tool output in locals": (bytes) => ({ prompt: [{ role: "user", content: "go" }], response: "ok", codeBlocks: [{ code: "x", result: { locals: { out: text(bytes), n: 1 } } }] }),
  // Over the line cap with no long string: nothing can be cut before serializing, and the
  // cut falls to collapsing free values (locals) or to the structure itself.
  "many small locals": (bytes) => {
    const locals = {};
    for (let i = 0, n = Math.round(bytes / 38); i < n; i++) locals[`v${i}`] = `value number ${i} of many`;
    return { prompt: [{ role: "user", content: "go" }], response: "ok", codeBlocks: [{ code: "x", result: { locals } }] };
  },
  "many short messages": (bytes) => {
    const content = (i) => `message number ${i} with some words in it, more words here to fill it up to ~300 bytes `.repeat(3);
    return { prompt: Array.from({ length: Math.round(bytes / 300) }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: content(i) })), response: "ok" };
  },
  "many small code blocks": (bytes) => ({
    prompt: [{ role: "user", content: "go" }],
    response: "ok",
    codeBlocks: Array.from({ length: Math.round(bytes / 130) }, (_, i) => ({ code: `print(${i})`, result: { stdout: `out ${i}` } })),
  }),
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trajlog-worst-call-"));
const logger = new TrajectoryLogger({ logDir: dir, experimentName: "bench", sampleRate: 1, maxBufferBytes: 512 * MiB });
const rows = [];
const loadBefore = loadAverage();
try {
  for (const [layout, make] of Object.entries(LAYOUTS).filter(([name]) => name.startsWith(layoutPrefix))) {
    for (const bytes of sizes) {
      const input = make(bytes);
      const record = buildIterationLine(input, 1, new Date(0));
      const log = [];
      const str = [];
      for (let r = 0; r < reps; r++) {
        const session = logger.startSession({ instanceId: `w${rows.length}-${r}`, trainingStep: 0, modelName: "m" });
        JSON.stringify(record); // warm: flat strings, known shapes
        const timeLog = () => {
          const t0 = nowNs();
          session.logIteration(input);
          log.push(nowNs() - t0);
        };
        const timeStringify = () => {
          const t0 = nowNs();
          JSON.stringify(record);
          str.push(nowNs() - t0);
        };
        if (r % 2 === 0) {
          timeStringify();
          timeLog();
        } else {
          timeLog();
          timeStringify();
        }
        await session.finalize();
      }
      rows.push({
        layout,
        inputMiB: sig(bytes / MiB),
        logIterationMs: { median: sig(median(log) / 1e6), max: sig(Math.max(...log) / 1e6) },
        stringifyMs: { median: sig(median(str) / 1e6) },
        ratio: sig(median(log) / median(str)),
      });
    }
  }
} finally {
  await logger.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
const worst = rows.reduce((a, b) => (b.logIterationMs.max > a.logIterationMs.max ? b : a));
const out = { dist, reps, rows, worst: { layout: worst.layout, inputMiB: worst.inputMiB, ms: worst.logIterationMs.max }, loadAverage: { before: loadBefore, after: loadAverage() } };
if (args.json) {
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  for (const r of rows) {
    console.log(`${r.layout.padEnd(30)} ${String(r.inputMiB).padStart(4)} MiB  logIteration ${r.logIterationMs.median} ms (max ${r.logIterationMs.max})  stringify ${r.stringifyMs.median} ms  ratio ${r.ratio}`);
  }
  console.log(`${dist}: worst call: ${worst.logIterationMs.max} ms (${worst.layout}, ${worst.inputMiB} MiB); load ${out.loadAverage.before.join(" ")} → ${out.loadAverage.after.join(" ")}`);
}
