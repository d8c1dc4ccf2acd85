/** Small numeric helpers shared by the scenarios. */
import fs from "node:fs";
import os from "node:os";

/** The q-quantile (0..1) of a list of numbers, by nearest rank. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return quantile(values, 0.5);
}

/** Rounds to `digits` significant digits, for results that are read by people. */
export function sig(x, digits = 3) {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/** Descriptors this process holds right now. */
export function openFds() {
  // The listing itself holds one descriptor while it reads the directory.
  return fs.readdirSync("/proc/self/fd").length - 1;
}

/** Peak resident set size of this process so far, in bytes. */
export function peakRss() {
  return process.resourceUsage().maxRSS * 1024;
}

/** Runs a full garbage collection when node was started with --expose-gc. */
export function collect() {
  if (typeof globalThis.gc === "function") globalThis.gc();
}

/** One turn of the event loop, as an async rollout loop gives between steps. */
export function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Nanoseconds from a monotonic clock, as a number. */
export function nowNs() {
  return Number(process.hrtime.bigint());
}

/**
 * The order of contenders for round `k`: rotated, so that none always runs first, and reversed
 * every other round, so that none always runs right after the same other one. A contender pays
 * for the garbage and the cold caches its predecessor leaves: with rotation alone, a build
 * measured against a copy of itself came out at 0.79 (10 KB lines), the copy always running
 * just before it; with this order, 0.88 and 0.92 (`--compare` with a copy of `dist` is the way
 * to see how far from 1 a side-by-side ratio can be on a given machine).
 */
export function rotate(list, k) {
  const n = Math.floor(k / 2) % list.length;
  const rotated = list.slice(n).concat(list.slice(0, n));
  return k % 2 === 1 ? rotated.reverse() : rotated;
}

/**
 * CPU time (user + system) of this process's main thread so far, in nanoseconds: the time the
 * rollout loop cannot use. Read from /proc (Linux), where the main thread's task id is the
 * process id; elsewhere the event loop's active time stands in for it (wall time, so a busy
 * machine inflates it).
 */
export function mainThreadCpuNs() {
  if (schedstatPath !== null) {
    try {
      // The kernel adds up a running thread's time when it stops running (or at a scheduler
      // tick): a sleep of a few microseconds first makes the figure current, not up to a tick old.
      Atomics.wait(settle, 0, 0, 0.01);
      return Number(fs.readFileSync(schedstatPath, "utf8").split(" ")[0]);
    } catch {
      schedstatPath = null;
    }
  }
  return performance.eventLoopUtilization().active * 1e6;
}
const settle = new Int32Array(new SharedArrayBuffer(4));
let schedstatPath = process.platform === "linux" ? `/proc/self/task/${process.pid}/schedstat` : null;

/** Where `mainThreadCpuNs` reads from, for the results: "schedstat" or "event-loop utilization". */
export function mainThreadCpuSource() {
  mainThreadCpuNs();
  return schedstatPath === null ? "event-loop utilization" : "schedstat";
}

/**
 * Median and interquartile range of a list, rounded for people: `{ median, iqr: [p25, p75], n }`.
 * Every ratio in the results is given this way, so its spread is always beside it.
 */
export function spread(values, digits = 3) {
  return {
    median: sig(median(values), digits),
    iqr: [sig(quantile(values, 0.25), digits), sig(quantile(values, 0.75), digits)],
    n: values.length,
  };
}

/** Per-pair ratios `a[i] / b[i]` of two lists measured side by side, as a {@link spread}. */
export function ratioSpread(a, b) {
  return spread(a.map((x, i) => x / b[i]));
}

/** The 1-, 5- and 15-minute load averages, rounded: stated beside every figure. */
export function loadAverage() {
  return os.loadavg().map((x) => sig(x, 2));
}
