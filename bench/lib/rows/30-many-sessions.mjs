/** Rows of the many-sessions scenario: drops against the disk's rate, finalize latency. */
import { loadOf, size } from "../report.mjs";

/**
 * The buffer the scenario's loggers have: the default `maxBufferBytes` (64 MiB), which
 * bench/lib/many-sessions.mjs leaves as it is.
 */
const MAX_BUFFER_BYTES = 64 * 1024 * 1024;

/** The middle value of a short list (the lower one of an even count). */
function median(list) {
  return [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];
}

/** @returns {import("../report.mjs").Row[]} */
export function rows(results) {
  const m = results.manySessions;
  if (!m) return [];
  const t = m.contenders.trajlog;
  const p = m.contenders.pino;
  const disk = m.diskRate;
  const label = `${m.sessions.toLocaleString("en-US")} sessions, ${size(t.meanIterationBytes)}`;
  const load = loadOf(t);
  const dropped = median(t.linesDropped);
  // Dropping is allowed only when the loop offers bytes faster than the disk takes them, or
  // when the disk takes longer to create the session files than the loop takes to fill the
  // buffer (no line of a file can be written before the file exists). Results from before
  // the disk's create time was measured have no `createMs`: judged on the byte rate alone.
  const createMs = disk.createMs?.median;
  const fillMs = (MAX_BUFFER_BYTES / 1e6 / t.offeredMBps) * 1000;
  const diskKeepsUp = t.offeredMBps <= disk.pageCacheMBps.median && !(createMs >= fillMs);
  const creates = createMs === undefined ? "" : `; ${disk.files.toLocaleString("en-US")} files created in ${createMs} ms (the loop fills the buffer in ${Math.round(fillMs)})`;
  const c = m.contenders.compare;
  const compareRows = c
    ? [
        {
          area: "many sessions",
          what: `${label}: --compare build (ratio: wall time, this / --compare)`,
          measured: `${median(c.linesDropped)} lines dropped; finalize p99 ${c.finalizeMs.p99} ms (p50 ${c.finalizeMs.p50}), after its turn ${c.afterTurnMs.p99} ms`,
          against: `this build ${dropped} dropped, p99 ${t.finalizeMs.p99} ms, after its turn ${t.afterTurnMs.p99} ms`,
          ratio: m.ratios["trajlog/compare seconds"],
          load,
        },
      ]
    : [];
  return [
    ...compareRows,
    {
      area: "many sessions",
      what: `${label}: lines dropped (median of ${m.runs} runs)`,
      // Written and dropped are the last run's (their sum is what every run offers); the
      // dropped count of each run beside the median.
      measured: `${dropped} of ${t.linesWritten + (t.linesDropped.at(-1) ?? 0)} (runs: ${t.linesDropped.join(", ")}); written ${t.writtenMBps} MB/s, offered ${t.offeredMBps} MB/s`,
      against: `disk ${disk.pageCacheMBps.median} MB/s (synced ${disk.syncedMBps.median})${creates}`,
      goal: "0 while the disk keeps up",
      // None dropped meets the goal whatever the disk; drops are judged only where it kept up.
      met: dropped === 0 ? true : diskKeepsUp ? false : null,
      load,
    },
    {
      area: "many sessions",
      what: `${label}: finalize p99`,
      measured: `${t.finalizeMs.p99} ms (p50 ${t.finalizeMs.p50})`,
      against: `pino end→close p99 ${p.finalizeMs.p99} ms`,
      goal: "<= 50 ms",
      met: t.finalizeMs.p99 <= 50,
      load,
    },
    {
      area: "many sessions",
      what: `${label}: finalize p99 after the loop's turn that called it ended (what the writer adds)`,
      measured: `${t.afterTurnMs.p99} ms (p50 ${t.afterTurnMs.p50})`,
      against: `pino ${p.afterTurnMs.p99} ms`,
      load,
    },
    {
      area: "many sessions",
      what: `${label}: wall time, trajlog / pino`,
      measured: `${t.seconds} s, ${t.peakExtraFds} descriptors`,
      against: `pino ${p.seconds} s, ${p.peakExtraFds} descriptors`,
      ratio: m.ratios["trajlog/pino seconds"],
      load,
    },
  ];
}
