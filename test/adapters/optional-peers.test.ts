/**
 * The frameworks are optional: importing trajlog, or an adapter entry point, loads no
 * framework package. Checked in a child process through Node's own module resolution.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../helpers/processes.js";

function packagesLoadedBy(specifier: string): string[] {
  const run = spawnSync(process.execPath, [path.join(FIXTURES, "loaded-packages-child.mjs"), specifier], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as string[];
}

const FRAMEWORK = /^(ai|zod|openai|@ai-sdk\/.*|@openai\/.*)$/;

describe("optional framework peers", () => {
  it("importing trajlog loads its own dependencies and no framework", () => {
    const loaded = packagesLoadedBy("trajlog");
    expect(loaded).toContain("pino");
    expect(loaded.filter((name) => FRAMEWORK.test(name))).toEqual([]);
  });

  it("each adapter entry point loads no package at all (framework types only)", () => {
    expect(packagesLoadedBy("trajlog/ai-sdk")).toEqual([]);
    expect(packagesLoadedBy("trajlog/openai-agents")).toEqual([]);
  });

  it("the fixture does see a framework when one is imported", () => {
    expect(packagesLoadedBy("ai")).toContain("ai");
  });
});
