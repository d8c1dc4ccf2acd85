/**
 * trajlog as someone who installs it gets it: `npm pack` on a copy of the checkout without
 * `dist/` (as a fresh clone has), the tarball installed into a new project (its dependencies
 * from the npm cache, else the registry), then the bin, `import`, `require`, and a TypeScript
 * consumer type-checked with skipLibCheck off and no Node.js types.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir, tempDirs } from "../helpers/processes.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CONSUMER_FILES = fileURLToPath(new URL("../fixtures/package-consumer/", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const dir = tempDirs("trajlog-package-");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string): Run {
  const out = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (out.error !== undefined) throw out.error;
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** Like {@link run}, and fails the test with the command's output unless it exits 0. */
function ok(command: string, args: string[], cwd: string): Run {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** The checkout's files as `git` sees them (tracked, and new files not ignored): no dist/, no node_modules/. */
function copyCheckout(to: string): void {
  const files = ok("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).stdout.split("\0");
  for (const file of files) {
    if (file === "" || !fs.existsSync(path.join(ROOT, file))) continue;
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(to, file));
  }
  // The build tools, as `npm ci` put them there.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(to, "node_modules"), "dir");
}

let consumer: string;
let packed: string[];
/** Directories the whole file shares: removed after the last test. */
const shared: string[] = [];
afterAll(() => shared.forEach(removeTempDir));
function sharedDir(): string {
  const made = makeTempDir("trajlog-package-");
  shared.push(made);
  return made;
}

beforeAll(() => {
  const checkout = sharedDir();
  copyCheckout(checkout);
  expect(fs.existsSync(path.join(checkout, "dist"))).toBe(false);
  const tarballs = sharedDir();
  const pack = ok(NPM, ["pack", "--json", "--pack-destination", tarballs], checkout);
  const [report] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = report!.files.map((f) => f.path);
  consumer = sharedDir();
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  const install = ok(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(tarballs, report!.filename)], consumer);
  // A package with install-time scripts (prepare included) makes npm warn in every project that installs it.
  expect(install.stderr).not.toContain("install-scripts");
  for (const file of fs.readdirSync(CONSUMER_FILES)) fs.copyFileSync(path.join(CONSUMER_FILES, file), path.join(consumer, file));
}, 600_000);

describe("the packed package", () => {
  it("holds the build (made by prepack), the viewer's front end and the README, and no sources or tests", () => {
    for (const file of ["dist/index.js", "dist/index.d.ts", "dist/require.cjs", "dist/cli/bin.js", "dist/viewer/app/index.html", "README.md", "package.json"]) {
      expect(packed).toContain(file);
    }
    expect(packed.filter((file) => /^(src|test|bench)\//.test(file))).toEqual([]);
  });

  it("runs its bin through npx", () => {
    const help = ok("npx", ["trajlog", "--help"], consumer);
    expect(help.stdout.split("\n")[0]).toBe("Usage: trajlog <command> [options]");
    expect(help.stderr).toBe("");
  });

  it("is imported from an ES module, and logs", () => {
    const logDir = dir();
    const esm = ok(process.execPath, ["esm.mjs", logDir], consumer);
    expect(JSON.parse(esm.stdout)).toEqual({ usage: { prompt_tokens: 40, completion_tokens: 2, cache_read_tokens: 30 }, reward: 1 });
    expect(esm.stderr).toBe("");
  });

  it("is required from CommonJS as the same module import gives", () => {
    const cjs = ok(process.execPath, ["cjs.cjs", dir()], consumer);
    expect(JSON.parse(cjs.stdout)).toEqual({ sameModule: true, stats: 3 });
    expect(cjs.stderr).toBe("");
  });

  it("says in its own words when this Node.js cannot require an ES module", () => {
    const old = run(process.execPath, ["--no-experimental-require-module", "cjs.cjs", dir()], consumer);
    expect(old.status).toBe(1);
    expect(old.stderr).toContain(
      `Error: trajlog: require("trajlog") needs Node.js's require() of ES modules: Node.js 20.19 or later (22.12 or later on 22.x), not turned off by --no-experimental-require-module; this is ${process.version}. Use \`await import("trajlog")\` instead, or a newer Node.js.`,
    );
  });

  it("type-checks an ES module and a CommonJS consumer with skipLibCheck off and no Node.js types", () => {
    expect(fs.existsSync(path.join(consumer, "node_modules", "@types", "node"))).toBe(false);
    const tsc = run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "."], consumer);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });
});
