import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { iterationLine, metadataLine } from "../helpers/lines.js";

// Answers the server keeps between requests (the instance grid's serialized answer) and the
// text filter must follow the files: a grown, added or removed file, and a live
// session going quiet, change the next answer.
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const meta = (step: number, s: number) => metadataLine({ timestamp: T(s), instance_id: "alpha", training_step: step, experiment_name: "exp" });
const answered = (answer: string) => iterationLine(1, { final_answer: answer });
const summary = (s: number, reward: number) => ({ type: "summary", timestamp: T(s), reward, total_steps: 1, total_iterations: 1 });
const jsonl = (lines: object[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join("");
const A1 = "exp/step_0/alpha_20260101_000001_a1.jsonl";
const A2 = "exp/step_1/alpha_20260101_000004_a2.jsonl";
const A3 = "exp/step_1/alpha_20260101_000007_a3.jsonl";
const LIVE_WINDOW_MS = 1500;

let root: string;
let viewer: ViewerServer;

async function write(rel: string, lines: object[]): Promise<void> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, jsonl(lines));
}

async function getJson(target: string): Promise<any> {
  const response = await fetch(new URL(target, viewer.url));
  expect(response.status).toBe(200);
  return response.json();
}

/** The grid as [step, [reward, status] of each rollout]. */
async function grid(): Promise<unknown> {
  const body = await getJson("/api/instance?experiment=exp&instance=alpha");
  return body.steps.map((s: any) => [s.step, s.rollouts.map((r: any) => [r.reward, r.status])]);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-reuse-"));
  await write(A1, [meta(0, 1), answered("Forty-Two"), summary(3, 1)]);
  // Unfinished (written to long ago); a finished file is never rewritten, an unfinished one grows.
  await write(A2, [meta(1, 4), answered("seven")]);
  await utimes(path.join(root, A2), new Date(T(6)), new Date(T(6)));
  viewer = await startViewer({ logDir: root, port: 0, pollMs: 60_000, liveWindowMs: LIVE_WINDOW_MS });
  await viewer.index.ready;
});

afterAll(async () => {
  await viewer?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("answers kept between requests", () => {
  it("the instance grid changes when a file of the instance grows, comes or goes", async () => {
    expect(await grid()).toEqual([[0, [[1, "completed"]]], [1, [[null, "unfinished"]]]]);
    expect(await grid()).toEqual([[0, [[1, "completed"]]], [1, [[null, "unfinished"]]]]);
    await write(A2, [meta(1, 4), answered("seven"), summary(6, 0.25)]);
    await viewer.index.refresh();
    expect(await grid()).toEqual([[0, [[1, "completed"]]], [1, [[0.25, "completed"]]]]);
    await write(A3, [meta(1, 7), answered("eight"), summary(9, 0.75)]);
    await viewer.index.refresh();
    expect(await grid()).toEqual([[0, [[1, "completed"]]], [1, [[0.75, "completed"], [0.25, "completed"]]]]);
    await rm(path.join(root, A1));
    await viewer.index.refresh();
    expect(await grid()).toEqual([[1, [[0.75, "completed"], [0.25, "completed"]]]]);
  });

  it("the instance grid shows a live session as unfinished once it went quiet, with no file changed", async () => {
    const rel = "exp/step_2/alpha_20260101_000010_a4.jsonl";
    await write(rel, [meta(2, 10), iterationLine(1)]);
    const now = new Date();
    await utimes(path.join(root, rel), now, now);
    await viewer.index.refresh();
    const generation = (await getJson("/api/version")).generation;
    expect((await grid() as unknown[]).at(-1)).toEqual([2, [[null, "live"]]]);
    await new Promise((resolve) => setTimeout(resolve, now.getTime() + LIVE_WINDOW_MS + 50 - Date.now()));
    expect((await grid() as unknown[]).at(-1)).toEqual([2, [[null, "unfinished"]]]);
    expect((await getJson("/api/version")).generation).toBe(generation);
  });

  it("the text filter follows a changed final answer, ignoring case", async () => {
    const answers = async (q: string) => (await getJson(`/api/sessions?q=${encodeURIComponent(q)}`)).rows.map((r: any) => r.finalAnswer);
    const rel = "exp/step_3/alpha_20260101_000013_a5.jsonl";
    await write(rel, [meta(3, 13), answered("Eight-Nine")]);
    await viewer.index.refresh();
    expect(await answers("t-nINE")).toEqual(["Eight-Nine"]);
    await write(rel, [meta(3, 13), answered("Eight-Nine"), iterationLine(2, { final_answer: "ten" })]);
    await viewer.index.refresh();
    expect(await answers("t-nINE")).toEqual([]);
    expect(await answers("TEN")).toEqual(["ten"]);
    expect(await answers("A2.JSON")).toEqual([]);
    expect(await answers("ALPHA_20260101_000004")).toEqual(["seven"]);
  });

  it("a filtered table paged one row at a time gives the rows and total of the whole filtered table", async () => {
    for (const sort of ["reward&order=desc", "step", "started&order=asc"]) {
      const whole = await getJson(`/api/sessions?q=ALPHA&sort=${sort}&limit=500`);
      const paged: unknown[] = [];
      for (let offset = 0; offset < whole.total + 1; offset++) {
        const page = await getJson(`/api/sessions?q=ALPHA&sort=${sort}&limit=1&offset=${offset}`);
        expect(page.total).toBe(whole.total);
        paged.push(...page.rows);
      }
      expect(paged).toEqual(whole.rows);
      expect(whole.total).toBe(4);
    }
  });
});
