/** Small numeric helpers shared by the scenarios. */
import fs from "node:fs";

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

/** Rotates a list by `k`: interleaving contenders so that none always runs first. */
export function rotate(list, k) {
  const n = k % list.length;
  return list.slice(n).concat(list.slice(0, n));
}
