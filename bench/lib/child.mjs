/** Running a scenario or an extra bench script in a child process and reading its JSON. */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Runs `node args...` and resolves with its stdout, stderr, exit code and whether it timed out. */
export function runNode(args, { timeoutMs, cwd }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
  });
}

/** The JSON object a script printed: all of stdout, or else its last line that parses. */
export function parseJsonOutput(stdout) {
  try {
    const value = JSON.parse(stdout);
    if (typeof value === "object" && value !== null) return value;
  } catch {
    // Not all of it: look for the last JSON line.
  }
  const lines = stdout.split("\n").filter((l) => l.trim().startsWith("{"));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // Keep looking.
    }
  }
  return null;
}

/** One scenario in a fresh process (`--expose-gc`, so passes start from a collected heap). */
export async function runScenario(name, options, { timeoutMs = 240_000, cwd } = {}) {
  const out = await runNode(["--expose-gc", path.join(HERE, "scenario.mjs"), name, JSON.stringify(options)], {
    timeoutMs,
    cwd,
  });
  const result = out.code === 0 ? parseJsonOutput(out.stdout) : null;
  if (result === null) {
    const why = out.timedOut ? `timed out after ${timeoutMs} ms` : `exited with code ${out.code}`;
    throw new Error(`scenario ${name} ${why}\n${out.stderr.slice(-2000)}`);
  }
  return result;
}
