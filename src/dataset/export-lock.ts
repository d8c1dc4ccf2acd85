/**
 * One export at a time into a dataset folder: `OUT/.trajlog-export.lock`, created exclusively,
 * names the process holding it. A lock left by a process of this host that is gone is taken
 * over; any other is reported with what to delete if its export is known to be dead.
 */
import { open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** The lock file's name inside the dataset folder. */
export const LOCK_FILE = ".trajlog-export.lock";

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** A dataset folder is locked by another export. */
export class DatasetLockedError extends Error {
  override name = "DatasetLockedError";
}

/** Takes the lock of `dir` (which must exist); resolves to a function that releases it. */
export async function lockDataset(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await handle.close();
      }
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = await readLock(file);
      if (holder !== null && holder.host === mine.host && !alive(holder.pid)) {
        await rm(file, { force: true }); // Its process is gone: a crashed export.
        continue;
      }
      const who = holder === null ? "another export" : `process ${holder.pid} on ${holder.host} (since ${holder.started})`;
      throw new DatasetLockedError(
        `${dir} is being written by ${who}; wait for it, or delete ${file} if that export is no longer running`,
      );
    }
  }
  throw new DatasetLockedError(`${dir}: could not take ${file}`);
}

async function readLock(file: string): Promise<LockInfo | null> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as Partial<LockInfo>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.started === "string") {
      return value as LockInfo;
    }
  } catch {
    // Unreadable or half-written: treat as held by someone unknown.
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
