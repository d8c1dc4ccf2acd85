// What redaction costs on text built to make it slow, against ordinary text of the same size:
// for each adversarial input (bench/lib/adversarial-text.mjs), applyContentPolicy on an
// iteration line holding it, against the same line holding ordinary text, measured
// interleaved, best of `--rounds` pairs each. The ratio is the figure: linear-time redaction
// keeps every input within a small constant of ordinary text; a scan that reads text again
// shows up as hundreds or thousands.
//
//   node bench/redact-adversarial.mjs [--size 1048576] [--rounds 3] [--json] [--smoke]
//
// Run `npm run build` first: it measures dist/, the code users get.
import os from "node:os";
import { applyContentPolicy } from "../dist/index.js";
import { ADVERSARIAL_INPUTS, benignText, iterationLineWith as line } from "./lib/adversarial-text.mjs";
import { scriptArgs } from "./lib/script-args.mjs";

const { smoke, json, flag } = scriptArgs();
const size = flag("size", smoke ? 64 * 1024 : 1024 * 1024);
const rounds = flag("rounds", smoke ? 1 : 3);

function ms(record) {
  const started = performance.now();
  applyContentPolicy(record);
  return performance.now() - started;
}

const benign = line(benignText(size));
for (let i = 0; i < 3; i++) ms(benign);
const loadBefore = os.loadavg();
const inputs = [];
const benignTimes = [];
for (const input of ADVERSARIAL_INPUTS) {
  const record = line(input.build(size));
  let best = Infinity;
  let base = Infinity;
  for (let r = 0; r < rounds; r++) {
    const b = ms(benign);
    benignTimes.push(b);
    base = Math.min(base, b);
    best = Math.min(best, ms(record));
  }
  inputs.push({ name: input.name, ms: +best.toFixed(2), ratio: +(best / base).toFixed(2) });
}
inputs.sort((a, b) => b.ratio - a.ratio);
const ratios = inputs.map((i) => i.ratio);
const sortedBenign = benignTimes.slice().sort((a, b) => a - b);
const result = {
  size,
  rounds,
  inputs: inputs.length,
  benignMs: +sortedBenign[Math.floor(sortedBenign.length / 2)].toFixed(2),
  /** The slowest adversarial input, its time over benign text's. */
  worst: inputs[0],
  medianRatio: ratios[Math.floor(ratios.length / 2)],
  top: inputs.slice(0, 8),
  loadAverage: [loadBefore, os.loadavg()].map((l) => l.map((x) => +x.toFixed(2))),
  cpus: os.cpus().length,
};

if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`${result.inputs} adversarial inputs of ${size} characters vs ordinary text (median ${result.benignMs} ms), best of ${rounds}`);
  for (const i of result.top) console.log(`  ${i.ratio.toFixed(2).padStart(7)}×  ${String(i.ms).padStart(8)} ms  ${i.name}`);
  console.log(`median ratio ${result.medianRatio}×; load average ${result.loadAverage[0].join(" ")} → ${result.loadAverage[1].join(" ")} on ${result.cpus} CPUs`);
}
