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

describe("bench/run.mjs --smoke", () => {
  it("runs every scenario and writes every figure and ratio to results.json", { timeout: 240_000 }, async () => {
    const out = path.join(tmp, "results.json");
    const { stdout } = await run(process.execPath, [RUN, "--smoke", "--out", out], { cwd: ROOT, maxBuffer: 16 << 20 });
    expect(stdout).toContain("Targets");
    const results = JSON.parse(fs.readFileSync(out, "utf8"));

    expect(results.mode).toBe("smoke");
    expect(results.machine.cpus).toBeGreaterThan(0);

    expect(results.throughput.map((t: { lineBytes: number }) => t.lineBytes)).toEqual([2048, 10240, 51200]);
    for (const t of results.throughput) {
      for (const name of ["trajlog", "pino", "naive", "limit"]) {
        expect(isNumber(t.contenders[name].MBps), `${name} MB/s`).toBe(true);
        expect(isNumber(t.contenders[name].linesPerSec), `${name} lines/s`).toBe(true);
      }
      for (const ratio of ["trajlog/pino", "trajlog/naive", "trajlog/limit"]) {
        expect(isNumber(t.ratios[ratio]), ratio).toBe(true);
      }
      // Every contender wrote the whole payload (pino adds its level field to each line).
      expect(t.contenders.trajlog.linesWritten).toBe(t.linesPerSlice);
      expect(t.contenders.trajlog.linesDropped).toBe(0);
      expect(t.contenders.naive.bytesOnDisk).toBe(t.contenders.limit.bytesOnDisk);
      expect(t.contenders.pino.bytesOnDisk).toBeGreaterThan(t.contenders.limit.bytesOnDisk);
    }

    for (const l of results.loopCost) {
      expect(isNumber(l.logIteration.medianUs) && isNumber(l.logIteration.p99Us)).toBe(true);
      expect(isNumber(l.stringify.medianUs)).toBe(true);
      expect(isNumber(l.ratios["logIteration/stringify median"])).toBe(true);
    }

    expect(isNumber(results.sampledOut.overheadNsPerRollout)).toBe(true);
    expect(results.sampledOut.sessionsLogged).toBe(0);

    const many = results.manySessions;
    expect(many.contenders.trajlog.linesWritten).toBe(many.sessions * (many.iterations + 2));
    expect(many.contenders.trajlog.peakExtraFds).toBeLessThanOrEqual(many.contenders.trajlog.maxOpenFiles);
    expect(isNumber(many.ratios["trajlog/pino seconds"])).toBe(true);

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

    const names = results.targets.map((t: { name: string }) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "throughput 10 KB: trajlog/pino",
        "throughput 10 KB: trajlog/limit",
        "throughput 2 KB: trajlog/naive",
        "sampled out: ns per rollout above empty object",
        "stalled disk: RSS growth MB",
      ]),
    );
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
