// Writes a large, realistic log tree with the SDK (see bench/lib/log-tree.mjs): about 118 KB per
// session, so the default 100,000 sessions make about 11.8 GB (in about five minutes on 2 cores).
//
//   npm run build && node scripts/generate-log-tree.mjs --out /tmp/big-logs [--sessions 100000] [--per-step 200] [--seed 1]
import { parseArgs } from "node:util";
import { generateLogTree } from "../bench/lib/log-tree.mjs";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    sessions: { type: "string", default: "100000" },
    "per-step": { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
  },
});
const count = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${name} expects a positive integer; received ${JSON.stringify(values[name])}`);
  return n;
};
if (values.out === undefined) throw new TypeError("--out DIR is required: the log directory to write");
const started = Date.now();
const result = await generateLogTree({
  logDir: values.out,
  sessions: count("sessions"),
  perStep: count("per-step"),
  seed: count("seed"),
  onProgress: (n, bytes) => process.stderr.write(`${n} sessions, ${(bytes / 1e6).toFixed(0)} MB\n`),
});
process.stdout.write(`${JSON.stringify({ ...result, mb: Math.round(result.bytes / 1e5) / 10, seconds: (Date.now() - started) / 1000 })}\n`);
