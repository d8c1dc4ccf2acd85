/**
 * Extra bench scripts: any `*.mjs` directly in the bench folder other than `run.mjs` (for
 * example `export.mjs`, `redact.mjs`) is run as `node <script> --json [--smoke]`; the JSON
 * object it prints goes into results.json and the table. None present, nothing run.
 */
import fs from "node:fs";
import path from "node:path";
import { parseJsonOutput, runNode } from "./child.mjs";

/** Paths of the extra scripts in `dir`, sorted by name. */
export function findExtras(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".mjs") && e.name !== "run.mjs")
    .map((e) => path.join(dir, e.name))
    .sort();
}

/**
 * Runs every extra script; a failing one is reported as `{ error }`, never aborts the run.
 * They share `budgetMs`, each getting at least `minMs`.
 */
export async function runExtras(dir, { smoke, budgetMs, minMs, cwd }) {
  const results = {};
  const scripts = findExtras(dir);
  const deadline = Date.now() + budgetMs;
  for (const [i, script] of scripts.entries()) {
    const name = path.basename(script, ".mjs");
    const args = [script, "--json", ...(smoke ? ["--smoke"] : [])];
    const timeoutMs = Math.max(minMs, (deadline - Date.now()) / (scripts.length - i));
    const out = await runNode(args, { timeoutMs, cwd });
    const json = out.code === 0 ? parseJsonOutput(out.stdout) : null;
    if (json !== null) results[name] = json;
    else {
      const why = out.timedOut ? `timed out after ${Math.round(timeoutMs)} ms` : `exited with code ${out.code}`;
      results[name] = { error: `${why}: ${out.stderr.trim().split("\n").slice(-3).join(" | ")}` };
    }
  }
  return results;
}
