/**
 * The per-file floor, shared by the hot-path and throughput scenarios: what any logger that
 * writes one file per session must at least do — stringify each line as the loop makes it, and
 * write each session's file with one open, write and close at its end.
 */
import fs from "node:fs";
import path from "node:path";

/** Each rollout's text so far: its metadata line. */
export function floorStart(rollouts) {
  return rollouts.map((r) => [`${JSON.stringify(r.lines.metadata)}\n`]);
}

/** Adds iteration `i` of every rollout to its text. */
export function floorIteration(rollouts, texts, i) {
  for (let k = 0; k < rollouts.length; k++) texts[k].push(`${JSON.stringify(rollouts[k].lines.iterations[i])}\n`);
}

/** Ends each rollout's text with its summary line and writes it to `<dir>/<k>.jsonl`. */
export function floorWrite(rollouts, texts, dir) {
  for (let k = 0; k < rollouts.length; k++) {
    texts[k].push(`${JSON.stringify(rollouts[k].lines.summary)}\n`);
    const fd = fs.openSync(path.join(dir, `${k}.jsonl`), "w");
    try {
      fs.writeSync(fd, texts[k].join(""));
    } finally {
      fs.closeSync(fd);
    }
  }
}
