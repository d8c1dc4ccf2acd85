/**
 * The disk's own rate, beside the many-sessions scenario: what `dd bs=1M` measures. `bytes`
 * are written in 1 MiB blocks to one new file in the work directory with synchronous writes;
 * `pageCacheMBps` is the rate until the last write returned (the bytes in the page cache, which
 * is what a logger's write waits for), `syncedMBps` the rate until `fdatasync` also returned
 * (the bytes on the device, `dd conv=fdatasync`). Taken `runs` times, medians and ranges given.
 */
import fs from "node:fs";
import path from "node:path";
import { loadAverage, nowNs, sig, spread } from "./stats.mjs";

const BLOCK = 1024 * 1024;

/** Options: `bytes` per run, `runs`, `workDir`. */
export async function run({ bytes, runs = 3, workDir }) {
  const loadBefore = loadAverage();
  const block = Buffer.alloc(BLOCK, 0x61);
  const cached = [];
  const synced = [];
  for (let r = 0; r < runs; r++) {
    const file = path.join(workDir, `disk-rate-${process.pid}-${r}.bin`);
    const fd = fs.openSync(file, "w");
    try {
      const t0 = nowNs();
      for (let done = 0; done < bytes; done += BLOCK) fs.writeSync(fd, block, 0, Math.min(BLOCK, bytes - done));
      const t1 = nowNs();
      fs.fdatasyncSync(fd);
      const t2 = nowNs();
      cached.push(bytes / 1e6 / ((t1 - t0) / 1e9));
      synced.push(bytes / 1e6 / ((t2 - t0) / 1e9));
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
  }
  return {
    MB: sig(bytes / 1e6),
    runs,
    pageCacheMBps: spread(cached),
    syncedMBps: spread(synced),
    loadAverage: { before: loadBefore, after: loadAverage() },
  };
}
