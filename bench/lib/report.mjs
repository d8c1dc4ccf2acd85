/** Turning results into the targets verdict and the printed table. */
import { sig } from "./stats.mjs";

const MB = 1e6;

/** Each target of the issue, its measured value and whether it is met. */
export function evaluateTargets(results) {
  const targets = [];
  const add = (name, value, goal, met) => targets.push({ name, value, goal, met });
  const tp = (bytes) => results.throughput?.find((t) => t.lineBytes === bytes);
  const t10 = tp(10240);
  const t2 = tp(2048);
  if (t10) {
    add("throughput 10 KB: trajlog/pino", t10.ratios["trajlog/pino"], ">= 1.3", t10.ratios["trajlog/pino"] >= 1.3);
    add("throughput 10 KB: trajlog/limit", t10.ratios["trajlog/limit"], ">= 0.8", t10.ratios["trajlog/limit"] >= 0.8);
  }
  if (t2) {
    add("throughput 2 KB: trajlog/naive", t2.ratios["trajlog/naive"], ">= 1.5", t2.ratios["trajlog/naive"] >= 1.5);
  }
  const loop = results.loopCost?.find((l) => l.lineBytes === 10240);
  if (loop) {
    const r = loop.ratios["logIteration/stringify median"];
    add("loop cost 10 KB: median logIteration / stringify", r, "<= 1.2", r <= 1.2);
  }
  if (results.sampledOut) {
    const ns = results.sampledOut.overheadNsPerRollout;
    add("sampled out: ns per rollout above empty object", ns, "<= 50", ns <= 50);
  }
  if (results.stalledDisk) {
    const s = results.stalledDisk;
    add("stalled disk: RSS growth MB", s.rssGrowthMB, `< ${s.limitMB} (cap + 50 MB)`, s.rssGrowthMB < s.limitMB);
    add("stalled disk: lines dropped counted", s.linesDropped, "> 0", s.linesDropped > 0);
  }
  return targets;
}

/** The human-readable table of a run. */
export function formatTable(results) {
  const out = [];
  const m = results.machine;
  out.push(`trajlog bench (${results.mode}) — ${m.cpus} cores ${m.cpuModel}, ${m.memoryGB} GB, node ${m.node}, ${results.date}`);
  if (results.throughput) {
    out.push("", "1. Throughput: 32 sessions x 15 iterations + metadata + summary, repeated; contenders alternate slice by slice");
    out.push(row(["record", "payload", "contender", "MB/s", "lines/s", "seconds", "CPU s"]));
    for (const t of results.throughput) {
      for (const [name, c] of Object.entries(t.contenders)) {
        out.push(row([`${kb(t.meanIterationBytes)}`, `${t.payloadMB} MB`, name, c.MBps, c.linesPerSec, c.seconds, c.cpuSeconds]));
      }
      const ratios = Object.entries(t.ratios).map(([k, v]) => `${k} ${v} [${t.ratioIqr[k].join("-")}]`);
      out.push(`   ratios (median of ${t.slices} slices [interquartile range]): ${ratios.join(", ")}`);
      const cpu = Object.entries(t.cpuRatios).map(([k, v]) => `${k} ${v} [${t.cpuRatioIqr[k].join("-")}]`);
      out.push(`   CPU-time ratios (the other's CPU time / trajlog's): ${cpu.join(", ")}`);
    }
  }
  if (results.loopCost) {
    out.push("", "2. Loop cost: time inside logIteration vs JSON.stringify of the same record (µs)");
    out.push(row(["record", "log p50", "log p99", "stringify p50", "stringify p99", "ratio p50", "ratio p99"]));
    for (const l of results.loopCost) {
      out.push(row([kb(l.meanIterationBytes), l.logIteration.medianUs, l.logIteration.p99Us, l.stringify.medianUs,
        l.stringify.p99Us, l.ratios["logIteration/stringify median"], l.ratios["logIteration/stringify p99"]]));
    }
  }
  if (results.sampledOut) {
    const s = results.sampledOut;
    out.push("", "3. Sampled out (rate 0): startSession + 15 logIteration + finalize, ns per rollout");
    out.push(`   trajlog ${s.trajlogNsPerRollout}, empty object ${s.emptyNsPerRollout}, overhead ${s.overheadNsPerRollout}`);
  }
  if (results.manySessions) {
    const ms = results.manySessions;
    out.push("", `4. Many sessions: ${ms.sessions} open at once, ${ms.iterations} iterations each (median of ${ms.runs} runs, fresh process each)`);
    out.push(row(["contender", "seconds", "peak extra fds"]));
    for (const [name, r] of Object.entries(results.manySessions.contenders)) out.push(row([name, r.seconds, r.peakExtraFds]));
    out.push(`   trajlog's wall time / pino's (below 1: trajlog faster): ${results.manySessions.ratios["trajlog/pino seconds"]}`);
  }
  for (const s of [results.stalledDisk, results.stalledDiskChurn]) {
    if (!s) continue;
    const what = s.churn ? `${s.sessionsStarted} rollouts started and ended meanwhile` : `the same ${s.sessionsStarted} rollouts`;
    out.push("", `5. Stalled disk: ${s.seconds} s of logging ${kb(s.lineBytes)} records, writes never complete; ${what}`);
    out.push(`   RSS before ${s.rssBeforeMB} MB, peak ${s.peakRssMB} MB, growth ${s.rssGrowthMB} MB (limit cap + 50 MB = ${s.limitMB} MB)`);
    out.push(`   iterations logged ${s.iterationsLogged}, dropped and counted ${s.linesDropped}, held in memory ${s.bufferedMB} MB`);
  }
  if (results.extras && Object.keys(results.extras).length > 0) {
    out.push("", "Extra bench scripts");
    for (const [name, value] of Object.entries(results.extras)) {
      for (const [k, v] of flatten(value)) out.push(`   ${name}.${k}: ${v}`);
    }
  }
  if (results.targets) {
    out.push("", "Targets");
    for (const t of results.targets) out.push(`   [${t.met ? "met" : "MISSED"}] ${t.name}: ${t.value} (goal ${t.goal})`);
  }
  return out.join("\n");
}

function row(cells) {
  return `   ${cells.map((c) => String(c).padEnd(10)).join(" ")}`;
}

function kb(bytes) {
  return `${sig(bytes / 1024, 3)} KB`;
}

function flatten(value, prefix = "") {
  if (typeof value !== "object" || value === null) return [[prefix || "value", value]];
  const out = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) out.push(...flatten(v, key));
    else out.push([key, Array.isArray(v) ? JSON.stringify(v) : v]);
  }
  return out;
}

export { MB };
