/**
 * The benchmark in smoke mode (tiny sizes), so that it cannot rot: every scenario runs to the
 * end and results.json has every figure and ratio. Timings are not checked: they mean nothing
 * at these sizes.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const RUN = path.join(ROOT, "bench", "run.mjs");

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trajlog-bench-test-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const isNumber = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x);

interface HotPathShape {
  calls: number;
  logIterationUs: { p50: number };
  stringifyUs: { p50: number };
  "logIteration/stringify": { median: number };
  mainThreadUsPerIteration: { trajlog: { median: number }; floor: { median: number } };
  linesDropped: number;
}

interface SampledOut {
  overheadNsPerRollout: { median: number };
  sessionsLogged: number;
}

describe("bench/run.mjs --smoke", () => {
  it("runs every scenario and writes every figure and ratio to results.json", { timeout: 240_000 }, async () => {
    const out = path.join(tmp, "results.json");
    const { stdout } = await run(process.execPath, [RUN, "--smoke", "--out", out], { cwd: ROOT, maxBuffer: 16 << 20 });
    const results = JSON.parse(fs.readFileSync(out, "utf8"));

    expect(results.mode).toBe("smoke");
    expect(results.machine.cpus).toBeGreaterThan(0);

    expect(results.throughput.map((t: { lineBytes: number }) => t.lineBytes)).toEqual([2048, 10240]);
    for (const t of results.throughput) {
      for (const name of ["trajlog", "pino", "naive", "floor", "limit", "copy"]) {
        expect(isNumber(t.contenders[name].MBps), `${name} MB/s`).toBe(true);
        expect(isNumber(t.contenders[name].linesPerSec), `${name} lines/s`).toBe(true);
        expect(isNumber(t.contenders[name].mainThreadUsPerLine), `${name} main-thread CPU`).toBe(true);
      }
      for (const ratio of ["trajlog/pino", "trajlog/naive", "trajlog/floor", "trajlog/limit", "trajlog/copy"]) {
        expect(isNumber(t.ratios[ratio]), ratio).toBe(true);
        expect(isNumber(t.mainThreadRatios[ratio].median), `main thread ${ratio}`).toBe(true);
      }
      // Every contender wrote the whole payload (pino adds its level field to each line).
      expect(t.contenders.trajlog.linesWritten).toBe(t.linesPerSlice);
      expect(t.contenders.trajlog.linesDropped).toBe(0);
      expect(t.contenders.copy.linesWritten).toBe(t.linesPerSlice);
      expect(t.contenders.naive.bytesOnDisk).toBe(t.contenders.limit.bytesOnDisk);
      expect(t.contenders.floor.bytesOnDisk).toBe(t.contenders.limit.bytesOnDisk);
      expect(t.contenders.pino.bytesOnDisk).toBeGreaterThan(t.contenders.limit.bytesOnDisk);
      expect(t.loadAverage.before).toHaveLength(3);
    }

    for (const h of results.hotPath) {
      expect(Object.keys(h.shapes)).toEqual(["plain", "realistic"]);
      for (const s of Object.values(h.shapes) as HotPathShape[]) {
        expect(s.calls).toBe(h.sessions * h.iterations * h.rounds);
        expect(isNumber(s.logIterationUs.p50) && isNumber(s.stringifyUs.p50)).toBe(true);
        expect(isNumber(s["logIteration/stringify"].median)).toBe(true);
        expect(s.mainThreadUsPerIteration.trajlog.median).toBeGreaterThan(0);
        expect(s.mainThreadUsPerIteration.floor.median).toBeGreaterThan(0);
        expect(s.linesDropped).toBe(0);
      }
      expect(isNumber(h["realistic/plain"].logIterationPerByte.median)).toBe(true);
    }

    for (const [name, s] of Object.entries(results.sampledOut.settings) as Array<[string, SampledOut]>) {
      expect(isNumber(s.overheadNsPerRollout.median), name).toBe(true);
      // The seeded run times only rollouts the sampler leaves out: none is logged.
      if (name !== "rate 0.1, no seed") expect(s.sessionsLogged, name).toBe(0);
    }
    expect(Object.keys(results.sampledOut.settings)).toEqual(["rate 0", "rate 0.1, no seed", "rate 0.1, seed"]);

    const many = results.manySessions;
    const trajlog = many.contenders.trajlog;
    expect(trajlog.linesWritten + trajlog.linesDropped[0]).toBeGreaterThan(many.sessions * 2);
    expect(trajlog.finalizeMs.n).toBe(many.sessions);
    // Timed from the end of the turn that called it, each finalize took no longer than from its call.
    expect(trajlog.afterTurnMs.n).toBe(many.sessions);
    expect(trajlog.afterTurnMs.max).toBeLessThanOrEqual(trajlog.finalizeMs.max);
    expect(isNumber(trajlog.finalizeMs.p99) && isNumber(trajlog.offeredMBps) && isNumber(trajlog.writtenMBps)).toBe(true);
    expect(trajlog.peakExtraFds).toBeLessThanOrEqual(trajlog.maxOpenFiles);
    expect(isNumber(many.diskRate.pageCacheMBps.median) && isNumber(many.diskRate.syncedMBps.median)).toBe(true);
    expect(isNumber(many.ratios["trajlog/pino seconds"].median)).toBe(true);

    for (const stalled of [results.stalledDisk, results.stalledDiskChurn]) {
      expect(stalled.linesWritten).toBe(0);
      expect(stalled.linesDropped).toBeGreaterThan(0);
      expect(isNumber(stalled.peakRssMB) && isNumber(stalled.rssGrowthMB)).toBe(true);
    }
    expect(results.stalledDisk.churn).toBe(false);
    expect(results.stalledDisk.sessionsStarted).toBe(32);
    expect(results.stalledDiskChurn.churn).toBe(true);

    expect(typeof results.extras).toBe("object");
    for (const script of fs.readdirSync(path.join(ROOT, "bench"))) {
      if (script.endsWith(".mjs") && script !== "run.mjs") {
        expect(results.extras, `extra script ${script}`).toHaveProperty(script.replace(/\.mjs$/, ""));
      }
    }

    // One table: every row names its area and figure; every target has a goal and a verdict.
    for (const row of results.table) {
      expect(typeof row.area === "string" && typeof row.what === "string" && typeof row.measured === "string").toBe(true);
    }
    const names = results.targets.map((t: { name: string }) => t.name);
    for (const wanted of [
      /^hot path: 2 KB plain \(mean [\d.]+ KB\): logIteration p50$/,
      /^loop cost: 2 KB plain: loop-thread CPU per iteration/,
      /^shapes: 2 KB: realistic \/ plain/,
      /^hot path: longest logIteration call/,
      /^throughput: 2 KB \(mean [\d.]+ KB\), 32 sessions: trajlog \/ naive$/,
      /^throughput: 10 KB \(mean [\d.]+ KB\), 32 sessions: trajlog \/ pino$/,
      /^many sessions: .*lines dropped/,
      /^many sessions: .*finalize p99$/,
      /^sampled out: rate 0\.1, seed: /,
      /^stalled disk: /,
    ]) {
      expect(names.some((n: string) => wanted.test(n)), String(wanted)).toBe(true);
    }
    for (const t of results.targets) expect(typeof t.met === "boolean" || t.met === null, t.name).toBe(true);
    expect(stdout).toMatch(/load average \(1, 5, 15 min\)/);
  });

  it("measures another build side by side with --compare", { timeout: 120_000 }, async () => {
    const out = path.join(tmp, "compare.json");
    const dist = path.join(ROOT, "dist");
    await run(process.execPath, [RUN, "--smoke", "--only", "hot-path,many-sessions", "--compare", dist, "--out", out], { cwd: ROOT });
    const results = JSON.parse(fs.readFileSync(out, "utf8"));
    for (const s of Object.values(results.hotPath[0].shapes) as Array<{ compare: Record<string, { median: number }> }>) {
      expect(isNumber(s.compare["logIteration trajlog/compare"]?.median)).toBe(true);
      expect(isNumber(s.compare["mainThread trajlog/compare"]?.median)).toBe(true);
    }
    expect(results.manySessions.contenders.compare.finalizeMs.n).toBe(results.manySessions.sessions);
    expect(isNumber(results.manySessions.ratios["trajlog/compare seconds"].median)).toBe(true);
  });

  it("runs extra bench scripts and keeps their JSON, or the reason they failed", { timeout: 60_000 }, async () => {
    const extras = path.join(tmp, "extras");
    fs.mkdirSync(extras);
    fs.writeFileSync(
      path.join(extras, "good.mjs"),
      'const smoke = process.argv.includes("--smoke");\n' +
        'if (process.argv.includes("--json")) console.log(JSON.stringify({ smoke, nested: { mbPerSec: 12.5 } }));\n',
    );
    fs.writeFileSync(path.join(extras, "bad.mjs"), 'console.error("no disk"); process.exit(3);\n');
    fs.writeFileSync(path.join(extras, "run.mjs"), "throw new Error('the runner itself is never an extra');\n");
    const out = path.join(tmp, "extras.json");
    const { stdout } = await run(process.execPath, [RUN, "--smoke", "--only", "extras", "--extras-dir", extras, "--out", out], {
      cwd: ROOT,
    });
    const results = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(results.extras.good).toEqual({ smoke: true, nested: { mbPerSec: 12.5 } });
    expect(results.extras.bad.error).toMatch(/code 3.*no disk/);
    expect(Object.keys(results.extras).sort()).toEqual(["bad", "good"]);
    expect(stdout).toContain("good.nested.mbPerSec: 12.5");
  });
});
