/**
 * Creating a session file's directory and its missing parents, in a bounded number of steps.
 *
 * Node's recursive `mkdir` (which fs-extra's `ensureDir` and `mkdirpSync` call) loops forever
 * where `mkdir` answers ENOENT under a parent that exists, as it does anywhere in /proc: the
 * asynchronous form then spins a thread-pool thread for good, and the synchronous one, run at
 * process exit, kept the process from ever ending, even on SIGTERM. Here each level is made
 * with one plain `mkdir`, at most twice, so every call ends with the directory or an error.
 */
import fs from "node:fs";
import path from "node:path";

/** Makes `dir` and every missing parent; resolves once it exists as a directory. */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; ) {
    try {
      await fs.promises.mkdir(at);
      break;
    } catch (err) {
      const parent = nextToMake(err as NodeJS.ErrnoException, at);
      if (parent === null) {
        if (!(await fs.promises.stat(at)).isDirectory()) throw notADirectory(at);
        break;
      }
      missing.push(at);
      at = parent;
    }
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      await fs.promises.mkdir(missing[i] as string);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/** {@link makeDir}, synchronously: for process exit only. */
export function makeDirSync(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; ) {
    try {
      fs.mkdirSync(at);
      break;
    } catch (err) {
      const parent = nextToMake(err as NodeJS.ErrnoException, at);
      if (parent === null) {
        if (!fs.statSync(at).isDirectory()) throw notADirectory(at);
        break;
      }
      missing.push(at);
      at = parent;
    }
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      fs.mkdirSync(missing[i] as string);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/**
 * After `mkdir(at)` failed: null when `at` already exists, the parent to make first when
 * `at`'s parent is missing, else the error is thrown. The root has no parent to make.
 */
function nextToMake(err: NodeJS.ErrnoException, at: string): string | null {
  if (err.code === "EEXIST") return null;
  const parent = path.dirname(at);
  if (err.code !== "ENOENT" || parent === at) throw err;
  return parent;
}

function notADirectory(at: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: "ENOTDIR", path: at });
}
