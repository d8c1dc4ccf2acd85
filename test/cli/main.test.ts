import { readFile } from "node:fs/promises";
import { expect, test } from "vitest";
import { CLI, runCli } from "./run-cli.js";

test("the bin starts with a node shebang", async () => {
  expect((await readFile(CLI, "utf8")).split("\n")[0]).toBe("#!/usr/bin/env node");
});

test("--help lists every command; no command is a usage error", async () => {
  const help = await runCli(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: trajlog <command> \[options\]\n/);
  for (const name of ["ls", "stats", "validate", "export"]) expect(help.stdout).toContain(`\n  ${name} `);
  const none = await runCli([]);
  expect(none).toEqual({ code: 2, stdout: "", stderr: help.stdout });
});

test("--version prints the package version", async () => {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  expect(await runCli(["--version"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
});

test.each([
  ["stats", "Usage: trajlog stats <dir> [selection] [--json]\n"],
  ["validate", "Usage: trajlog validate <dir|file> [--quiet]\n"],
])("%s --help", async (name, start) => {
  const run = await runCli([name, "-h"]);
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  expect(run.stdout.startsWith(start)).toBe(true);
});
