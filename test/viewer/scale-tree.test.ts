import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeScaleTree } from "../../scripts/scale-tree.mjs";
import { validateSessionFile } from "../../src/read/validate.js";

// The generator behind the viewer's tests at scale and its latency figures writes valid files.
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-scale-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it("writes valid session files, under the folders their metadata names", async () => {
  const tree = await writeScaleTree(root, { experiment: "exp", steps: 3, instances: 2, rollouts: 4, forcedEvery: 5, iterations: 3 });
  expect(tree).toEqual({ logDir: root, experiment: "exp", sessions: 24 });
  const problems: string[] = [];
  let files = 0;
  for (const step of [0, 1, 2]) {
    const dir = path.join(root, "exp", `step_${step}`);
    for (const name of await readdir(dir)) {
      files++;
      const found = await validateSessionFile(path.join(dir, name), { experiment: "exp", trainingStep: step });
      problems.push(...found.map((p) => `${name}:${p.line}: ${p.message}`));
    }
  }
  expect({ files, problems }).toEqual({ files: 24, problems: [] });
});
