import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { IterationLine } from "../src/index.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { listFiles, parseWithPython, readLines, readSession } from "./helpers/session-files.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Runs an example into a fresh directory; it must exit 0 and print nothing on stderr. */
function runExample(script: string) {
  const dir = makeTempDir();
  cleanups.push(() => removeTempDir(dir));
  const run = spawnSync(process.execPath, [`examples/${script}`, dir], { encoding: "utf8", timeout: 60_000 });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return { dir, run, files: listFiles(dir) };
}

describe("examples", () => {
  it("rollout-loop.mjs writes real, complete session files and prints where they went", () => {
    const { dir, run, files } = runExample("rollout-loop.mjs");
    const printed = run.stdout.split("\n").filter((l) => l.startsWith("  /")).map((l) => l.trim()).sort();
    expect(printed).toEqual(files);
    for (const step of [0, 1, 2]) {
      expect(files.some((f) => f.includes(`/demo-swe/step_${step}/`))).toBe(true);
    }
    // Sampled by instance: the same instances at every step (plus the forced debug rollout's).
    const instancesAt = (step: number) =>
      new Set(files.filter((f) => f.includes(`/step_${step}/`)).map((f) => readLines(f)[0]?.instance_id));
    expect(instancesAt(1)).toEqual(instancesAt(0));
    expect(instancesAt(2)).toEqual(instancesAt(0));
    for (const file of files) {
      const lines = readLines(file);
      expect(lines[0]?.type).toBe("metadata");
      expect(lines.at(-1)?.type).toBe("summary");
      expect(lines.slice(1, -1).map((l) => l.iteration)).toEqual(lines.slice(1, -1).map((_, i) => i + 1));
    }
    expect(parseWithPython(files)).toBe(files.reduce((n, f) => n + readLines(f).length, 0));
    expect(run.stdout).toMatch(/\d+ sessions, \d+ lines, \d+ bytes written under /);
    expect(fs.existsSync(`${dir}/demo-swe`)).toBe(true);
  });

  it("ai-sdk-tool-loop.mjs logs real AI SDK tool loops: every model call, tool call and result", () => {
    const { run, files } = runExample("ai-sdk-tool-loop.mjs");
    const printed = run.stdout.split("\n").filter((l) => l.startsWith("  /")).map((l) => l.trim()).sort();
    expect(printed).toEqual(files);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const { metadata, summary, ...session } = readSession(file);
      const iterations = session.iterations as IterationLine[];
      const step = metadata.training_step as number;
      // add(), then (from step 1 on) check(), then the answer: one iteration per model call.
      expect(iterations.map((i) => i.code_blocks.map((b) => b.code.replace(/\(.*/, "")))).toEqual(
        step === 0 ? [["add"], []] : [["add"], ["check"], []],
      );
      expect(iterations.map((i) => i.finish_reason)).toEqual(step === 0 ? ["tool-calls", "stop"] : ["tool-calls", "tool-calls", "stop"]);
      const sum = JSON.parse(iterations[0]?.code_blocks[0]?.result.stdout ?? "null") as { sum: number };
      expect(iterations.at(-1)?.final_answer).toBe(`The answer is ${sum.sum}.`);
      expect(iterations.every((i) => (i.usage?.prompt_tokens ?? 0) > 0)).toBe(true);
      expect(summary).toMatchObject({ reward: 1, total_iterations: iterations.length });
    }
    expect(parseWithPython(files)).toBe(files.reduce((n, f) => n + readLines(f).length, 0));
  });

  it("openai-agents-rollouts.mjs logs real Agents SDK runs: one session per trace, sub-agent calls inside tool calls", () => {
    const { run, files } = runExample("openai-agents-rollouts.mjs");
    expect(run.stdout).toContain(`${files.length} of 16 sessions logged`);
    const instancesAt = (step: number) =>
      new Set(files.filter((f) => f.includes(`/agents-arith/step_${step}/`)).map((f) => readLines(f)[0]?.instance_id));
    expect(instancesAt(0).size).toBeGreaterThan(0);
    expect(instancesAt(1)).toEqual(instancesAt(0));
    for (const file of files) {
      const { metadata, summary, ...session } = readSession(file);
      const iterations = session.iterations as IterationLine[];
      const step = metadata.training_step as number;
      expect(iterations.map((i) => i.code_blocks.map((b) => b.code.replace(/\(.*/, "")))).toEqual(
        step === 0 ? [["add"], []] : [["add"], ["check"], []],
      );
      if (step === 1) {
        const check = iterations[1]?.code_blocks[0];
        expect(check?.result.stdout).toBe("correct");
        expect(check?.result.rlm_calls.map((c) => [c.root_model, c.response])).toEqual([["checker-1b", "correct"]]);
      }
      expect(iterations.every((i) => i.agent === "solver" && (i.usage?.prompt_tokens ?? 0) > 0)).toBe(true);
      expect(iterations.at(-1)?.final_answer).toMatch(/^The answer is -?\d+\.$/);
      expect(summary).toMatchObject({ reward: 1, total_iterations: iterations.length });
    }
    expect(parseWithPython(files)).toBe(files.reduce((n, f) => n + readLines(f).length, 0));
  });
});
