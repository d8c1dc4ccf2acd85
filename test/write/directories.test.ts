/**
 * Session directories: each made once while it is among the latest remembered, so a run that
 * makes a directory per step for as long as it trains holds a bounded memo.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Directories } from "../../src/write/directories.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";

let root: string;
beforeAll(() => {
  root = makeTempDir("trajlog-dirs-");
});
afterAll(() => removeTempDir(root));

it("remembers the latest 64 directories: an older one is made again when asked, a remembered one is not", async () => {
  const dirs = new Directories();
  const steps = Array.from({ length: 65 }, (_, i) => path.join(root, "exp", `step_${i}`));
  for (const dir of steps) await dirs.ensure(dir);
  expect(steps.every((dir) => fs.statSync(dir).isDirectory())).toBe(true);
  const [oldest, latest] = [steps[0] as string, steps[64] as string];
  fs.rmdirSync(oldest);
  fs.rmdirSync(latest);
  await dirs.ensure(oldest);
  await dirs.ensure(latest);
  // The oldest was forgotten, so it was made again; the latest is taken as made (a file's
  // open then finds it gone, and the writer asks for it again with `forget`).
  expect({ oldest: fs.existsSync(oldest), latest: fs.existsSync(latest) }).toEqual({ oldest: true, latest: false });
  dirs.forget(latest);
  await dirs.ensure(latest);
  expect(fs.existsSync(latest)).toBe(true);
});
