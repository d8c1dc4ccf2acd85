/** Test helpers: temp directories and reading session files back. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = "trajlog-test-"): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Every regular file under `dir`, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

/** The lines of a JSONL file, parsed. */
export function readLines(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Parses every line of each file with Python's json.loads; returns the line count or throws with Python's error. */
export function parseWithPython(files: string[]): number {
  const script = [
    "import json, sys",
    "n = 0",
    "for f in sys.argv[1:]:",
    "    with open(f, encoding='utf-8', errors='strict') as fh:",
    "        for line in fh:",
    "            assert line.endswith('\\n'), f",
    "            json.loads(line)",
    "            n += 1",
    "print(n)",
  ].join("\n");
  const out = spawnSync("python3", ["-c", script, ...files], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`python3 failed: ${out.stderr}`);
  return Number(out.stdout.trim());
}
