/**
 * The disk's own rate, beside the many-sessions scenario: what `dd bs=1M` measures. `bytes`
 * are written in 1 MiB blocks to one new file in the work directory with synchronous writes;
 * `pageCacheMBps` is the rate until the last write returned (the bytes in the page cache, which
 * is what a logger's write waits for), `syncedMBps` the rate until `fdatasync` also returned
 * (the bytes on the device, `dd conv=fdatasync`). Taken `runs` times, medians and ranges given.
 *
 * A logger with one file per session also waits for the disk to create its files, which one
 * large file does not show: `createMs` is how long `files` new files take to be created in one
 * new directory, all asked at once through libuv's pool as a session file is (`open` with
 * `wx`), until the last is open. No line of a file can be written before it exists.
 */
import fs from "node:fs";
import path from "node:path";
import { loadAverage, nowNs, sig, spread } from "./stats.mjs";

const BLOCK = 1024 * 1024;

/** Options: `bytes` per run, `runs`, `workDir`, `files` created per run. */
export async function run({ bytes, runs = 3, workDir, files = 1000 }) {
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
  const creates = [];
  for (let r = 0; r < runs; r++) creates.push(await createFiles(path.join(workDir, `disk-rate-${process.pid}-files-${r}`), files));
  return {
    MB: sig(bytes / 1e6),
    files,
    createMs: spread(creates),
    runs,
    pageCacheMBps: spread(cached),
    syncedMBps: spread(synced),
    loadAverage: { before: loadBefore, after: loadAverage() },
  };
}

/** Milliseconds until `count` files asked at once are all created (and open) in a new `dir`. */
async function createFiles(dir, count) {
  fs.mkdirSync(dir, { recursive: true });
  try {
    const t0 = nowNs();
    const fds = await Promise.all(
      Array.from({ length: count }, (_, i) => new Promise((resolve, reject) => fs.open(path.join(dir, `session-${i}.jsonl`), "wx", 0o644, (err, fd) => (err ? reject(err) : resolve(fd))))),
    );
    const ms = (nowNs() - t0) / 1e6;
    for (const fd of fds) fs.closeSync(fd);
    return ms;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
