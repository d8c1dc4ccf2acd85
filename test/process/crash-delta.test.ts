/**
 * Crash safety of the delta prompt encoding: after SIGKILL at a (seeded) random moment, every
 * line but a file's last is complete, and every complete iteration line's delta rebuilds,
 * from the lines before it, exactly the prompt the rollout sent.
 */
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readSession } from "../../src/index.js";
import { finished, makeTempDir, removeTempDir, startFixture } from "../helpers/processes.js";
import { listSessionFiles, parseFile } from "../helpers/session-files.js";
import { killMoments } from "../helpers/kill-moments.js";

/** A random moment while the child is writing, in ms, from a seed printed if the test fails. */
const killDelay = killMoments();
let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

/** What iteration `i` (0-based) of a crash-child rollout sent. */
function sentPrompt(task: string, i: number): Array<{ role: string; content: string }> {
  const out = [{ role: "user", content: task }];
  for (let k = 0; k < i; k++) out.push({ role: "user", content: `q${k}` }, { role: "assistant", content: `a${k}` });
  return out;
}

it.each([0, 1])("SIGKILL run %i: every complete line's prompt rebuilds exactly", async (run) => {
  const logDir = path.join(root, `run-${run}`);
  const child = startFixture("crash-child.mjs", [logDir, "delta"]);
  const ended = finished(child);
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, killDelay()));
  child.kill("SIGKILL");
  expect((await ended).signal).toBe("SIGKILL");

  const files = listSessionFiles(logDir);
  expect(files.length).toBeGreaterThan(20);
  let iterations = 0;
  for (const file of files) {
    const { lines, tail } = parseFile(file);
    if (lines.length === 0) continue;
    const record = await readSession(file);
    // A write cut just before its "\n" leaves a whole line: that one counts as complete.
    let tailLine: Record<string, unknown> | null = null;
    try {
      tailLine = tail === "" ? null : (JSON.parse(tail) as Record<string, unknown>);
    } catch {
      tailLine = null;
    }
    if (tailLine !== null) lines.push(tailLine);
    // Only a torn last line may be a problem; every complete line was read.
    expect(record.problems.map((p) => p.line), file).toEqual(tail !== "" && tailLine === null ? [lines.length + 1] : []);
    expect(record.metadata?.instance_id).toMatch(/^task-\d$/);
    const complete = lines.filter((line) => line.type === "iteration");
    expect(record.iterations.length, file).toBe(complete.length);
    expect(complete.every((line) => "prompt_delta" in line && !("prompt" in line))).toBe(true);
    const task = record.iterations[0]?.prompt[0]?.content ?? "";
    record.iterations.forEach((iteration, i) => expect(iteration.prompt, `${file} iteration ${i + 1}`).toEqual(sentPrompt(task, i)));
    iterations += record.iterations.length;
  }
  expect(iterations).toBeGreaterThan(100);
});
