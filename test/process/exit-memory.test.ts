/**
 * The exit flush writes a full buffer without building copies of it: with the default 64 MiB
 * of lines waiting, the peak RSS while the process exits stays within a few MiB of its RSS
 * just before, and a memory-limited container does not kill the process there (which wrote
 * nothing at all when it happened).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { FIXTURES, finished, lastJson, makeTempDir, removeTempDir, type ChildResult } from "../helpers/processes.js";
import { listSessionFiles, parseFile } from "../helpers/session-files.js";

const MiB = 1024 * 1024;
const SESSIONS = 16;

interface Measured {
  bufferedBytes: number;
  linesDropped: number;
  lines: number;
  rssBefore: number;
  peak: number;
}

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

/** Every line handed over is on disk, whole: one metadata line per file, then its iterations. */
function expectAllOnDisk(logDir: string, out: Measured): void {
  const files = listSessionFiles(logDir);
  expect(files).toHaveLength(SESSIONS);
  let iterations = 0;
  for (const file of files) {
    const { lines, tail } = parseFile(file);
    expect({ tail, first: lines[0]?.type }).toEqual({ tail: "", first: "metadata" });
    iterations += lines.filter((line) => line.type === "iteration").length;
  }
  expect(iterations).toBe(out.lines);
}

/** A memory cgroup (v1) the test may create, or null: it needs root and a writable hierarchy. */
function memoryCgroupRoot(): string | null {
  const base = "/sys/fs/cgroup/memory";
  if (process.getuid?.() !== 0 || !fs.existsSync(path.join(base, "cgroup.procs"))) return null;
  try {
    const probe = path.join(base, `trajlog-probe-${process.pid}`);
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return base;
  } catch {
    return null;
  }
}

const cgroups = memoryCgroupRoot();

function run(logDir: string, mode: string, cgroup?: string, cap?: number): Promise<ChildResult> {
  const args = [logDir, mode, ...(cap === undefined ? [] : [String(cap)])];
  const child = [process.execPath, path.join(FIXTURES, "exit-memory-child.mjs"), ...args].map((a) => `'${a}'`).join(" ");
  const enter = cgroup === undefined ? "" : `echo $$ > '${cgroup}/cgroup.procs' && `;
  return finished(spawn("bash", ["-c", `${enter}exec ${child}`], { stdio: ["ignore", "pipe", "pipe"] }));
}

/** Runs the child in a fresh memory cgroup limited to `limit` bytes; the kernel's OOM kills in it. */
async function runInCgroup(
  logDir: string,
  mode: string,
  limit: number,
  cap?: number,
): Promise<{ result: ChildResult; oomKills: string | undefined }> {
  const cgroup = path.join(cgroups as string, `trajlog-test-${process.pid}-${mode}`);
  fs.mkdirSync(cgroup);
  try {
    fs.writeFileSync(path.join(cgroup, "memory.limit_in_bytes"), String(limit));
    const result = await run(logDir, mode, cgroup, cap);
    const oomKills = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(cgroup, "memory.oom_control"), "utf8"))?.[1];
    return { result, oomKills };
  } finally {
    fs.rmdirSync(cgroup);
  }
}

const where = cgroups === null ? "(no memory cgroup here: RSS only)" : "in a memory cgroup of 112 MiB";

// The two children run side by side: each spends most of its time waiting for the disk to take
// 64 MiB (in its own cgroup, the kernel writes its page cache back before it may grow).
describe.concurrent(`process.exit() with the 64 MiB buffer full, ${where}`, () => {
  it.each([
    ["strings", "every line logged in one turn, still as logged"],
    ["buffers", "the disk stalled, lines waiting as UTF-8"],
  ])("%s (%s): peak RSS at exit within 16 MiB of the RSS before; not killed; every line on disk", async (mode) => {
    const logDir = path.join(root, mode);
    // Before, the flush joined (and first encoded) the queue: +125 MiB (strings), +32 MiB
    // (buffers), and in the cgroup the kernel killed it there with a fraction of the lines, or none, on disk.
    const { result, oomKills } =
      cgroups === null ? { result: await run(logDir, mode), oomKills: "0" } : await runInCgroup(logDir, mode, 112 * MiB);
    expect({ code: result.code, signal: result.signal, stderr: result.stderr, oomKills }).toEqual({
      code: 0,
      signal: null,
      stderr: "",
      oomKills: "0",
    });
    const out = lastJson<Measured>(result.stdout);
    // The buffer really was full: within 1 MiB of its cap, nothing dropped.
    expect(out.bufferedBytes).toBeGreaterThan(63 * MiB);
    expect(out.linesDropped).toBe(0);
    expect(out.peak - out.rssBefore).toBeLessThan(16 * MiB);
    expectAllOnDisk(logDir, out);
  });
});

describe(`process.exit() right after three lines of nearly 8 MiB in one turn (24 MiB buffer), ${where}`, () => {
  it("writes each whole and in order, with no copy of them at exit; not killed", async () => {
    const logDir = path.join(root, "long-lines");
    const cap = 24 * MiB;
    const { result, oomKills } =
      cgroups === null ? { result: await run(logDir, "long-lines", undefined, cap), oomKills: "0" } : await runInCgroup(logDir, "long-lines", 112 * MiB, cap);
    expect({ code: result.code, signal: result.signal, stderr: result.stderr, oomKills }).toEqual({
      code: 0,
      signal: null,
      stderr: "",
      oomKills: "0",
    });
    const out = lastJson<Measured & { longLine: number }>(result.stdout);
    expect({ lines: out.lines, linesDropped: out.linesDropped }).toEqual({ lines: 3, linesDropped: 0 });
    expect(out.bufferedBytes).toBeGreaterThan(cap - MiB);
    expect(out.peak - out.rssBefore).toBeLessThan(16 * MiB);
    const files = listSessionFiles(logDir);
    expect(files).toHaveLength(SESSIONS);
    const withLines = files.map((file) => parseFile(file)).filter((parsed) => parsed.lines.length > 1);
    expect(withLines).toHaveLength(1);
    const { lines, tail } = withLines[0] as ReturnType<typeof parseFile>;
    // Each response is its seed, a colon, then the seed's letter up to the line's length.
    expect({
      tail,
      types: lines.map((line) => line.type),
      responses: lines.slice(1).map((line) => {
        const response = String(line.response);
        return { head: response.slice(0, 3), length: response.length, same: new Set(response.slice(2)).size };
      }),
    }).toEqual({
      tail: "",
      types: ["metadata", "iteration", "iteration", "iteration"],
      responses: [0, 1, 2].map((seed) => ({ head: `${seed}:${String.fromCharCode(97 + seed)}`, length: out.longLine, same: 1 })),
    });
  });
});
