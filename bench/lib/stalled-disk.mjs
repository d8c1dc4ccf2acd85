/**
 * Scenario 5, memory under a stalled disk: the destination stops accepting writes while the
 * loop keeps logging. Peak RSS must stay under `maxBufferBytes` + 50 MB, and what could not
 * be kept must be counted in `stats().linesDropped`. The limit is applied to the growth of
 * RSS from just before logging starts: node's own ~45 MB and the generated workload are
 * there whether or not anything is logged.
 *
 * The stall: in this (fresh, dedicated) process `fs.write` and `fs.writev` (the writer's
 * gathering write) are replaced by ones that never call back, and hold on to the buffers they
 * were given. To the writer that is exactly a
 * disk that stopped answering (a hung NFS server, a frozen or dead device): the libuv
 * request never completes and its buffer stays referenced. Files still open normally, so
 * the writer fills its descriptor slots with writes that never finish. Freezing a real
 * file system would need privileges and stall every other process on the machine.
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_MAX_BUFFER_BYTES, TrajectoryLogger } from "../../dist/index.js";
import { makeWorkload } from "./workload.mjs";
import { collect, nextTurn, peakRss, sig } from "./stats.mjs";

const MB = 1e6;

/**
 * Options: `seconds` of logging, `lineBytes`, `workDir`, optional `maxBufferBytes`, and
 * `churn`: false keeps the same 32 rollouts logging for the whole stall (what the cap bounds);
 * true ends them every 15 iterations and starts 32 new ones without awaiting `finalize`, as
 * fast as the CPU allows: their metadata and summary lines are kept whatever the cap (so that
 * every file stays well-formed), which shows what that costs. `untilDropped` (the smoke run)
 * goes on past `seconds`, up to ten times as long, until the cap has made a line drop: on a
 * loaded machine one second may not be enough to fill even a small cap.
 */
export async function run({ seconds, lineBytes, workDir, maxBufferBytes, churn = false, untilDropped = false }) {
  const { rollouts } = makeWorkload({ lineBytes });
  const cap = maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
  const dir = path.join(workDir, `stalled-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });

  const held = [];
  fs.write = fs.writev = (fd, buffer, ...rest) => {
    held.push(buffer);
  };

  const logger = new TrajectoryLogger({ logDir: dir, experimentName: "bench", sampleRate: 1, maxBufferBytes: cap });
  collect();
  const rssBefore = process.memoryUsage.rss();
  let rssPeakSampled = rssBefore;
  const timer = setInterval(() => {
    rssPeakSampled = Math.max(rssPeakSampled, process.memoryUsage.rss());
  }, 20);

  let logged = 0;
  let sessionsStarted = 0;
  const started = Date.now();
  const going = () => {
    const elapsed = Date.now() - started;
    if (elapsed < seconds * 1000) return true;
    return untilDropped && elapsed < seconds * 10_000 && logger.stats().linesDropped === 0;
  };
  for (let round = 0; going(); round++) {
    const sessions = rollouts.map((r) => logger.startSession({ ...r.start, trainingStep: round }));
    sessionsStarted += sessions.length;
    const iterations = rollouts[0].inputs.length;
    for (let i = 0; (!churn || i < iterations) && going(); i++) {
      for (let s = 0; s < sessions.length; s++) {
        const input = rollouts[s].inputs[i % iterations];
        sessions[s].logIteration(churn ? input : { ...input, iteration: i + 1 });
      }
      logged += sessions.length;
      await nextTurn();
    }
    // The rollouts end; their files cannot, the disk being stalled: nobody awaits them.
    for (let s = 0; s < sessions.length; s++) void sessions[s].finalize(rollouts[s].summary);
  }
  clearInterval(timer);
  const mem = process.memoryUsage();
  const stats = logger.stats();
  const peak = Math.max(peakRss(), rssPeakSampled);
  const limit = cap + 50 * MB;
  // The process exits right after reporting; its exit flush writes what is queued under
  // `dir`, which bench/run.mjs deletes with the rest of its work directory.
  return {
    churn,
    seconds,
    lineBytes,
    maxBufferBytes: cap,
    rssBeforeMB: sig(rssBefore / MB),
    peakRssMB: sig(peak / MB),
    // What logging added: node itself and the generated workload are there before it starts.
    rssGrowthMB: sig((peak - rssBefore) / MB),
    limitMB: sig(limit / MB),
    withinLimit: peak - rssBefore < limit,
    iterationsLogged: logged,
    sessionsStarted,
    linesDropped: stats.linesDropped,
    linesWritten: stats.linesWritten,
    bufferedMB: sig(stats.bufferedBytes / MB),
    writesHeld: held.length,
    heapUsedMB: sig(mem.heapUsed / MB),
    heapTotalMB: sig(mem.heapTotal / MB),
    externalMB: sig(mem.external / MB),
  };
}
