import { describe, expect, test } from "vitest";
import { integer, oneOf, stepRange, text } from "../../src/cli/flag-values.js";
import { listFlag, parseCommandLine, switchFlag, triStateFlag, valueFlag } from "../../src/cli/flags.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { command as exportCommand } from "../../src/cli/commands/export.js";
import { command as lsCommand } from "../../src/cli/commands/ls.js";
import { command as statsCommand } from "../../src/cli/commands/stats.js";
import { command as validateCommand } from "../../src/cli/commands/validate.js";
import { command as viewCommand } from "../../src/cli/commands/view.js";
import { runCli, spawnCli } from "./run-cli.js";

const FLAGS = {
  step: valueFlag("N", integer(0), "a step"),
  steps: valueFlag("A-B", stepRange, "steps"),
  session: listFlag("ID", text("a session id"), "a session", { short: "s" }),
  format: valueFlag("F", oneOf(["a", "b"]), "a format", { short: "f", default: "a" }),
  json: switchFlag("json"),
  quiet: switchFlag("quiet", { short: "q" }),
  forced: triStateFlag("forced"),
  "min-reward": valueFlag("X", { expects: "a number", parse: (t) => (Number.isFinite(Number(t)) && t !== "" ? Number(t) : undefined) }, "min"),
  help: switchFlag("help", { short: "h" }),
};

const parse = (...args: string[]) => parseCommandLine(args, FLAGS);
const usage = (...args: string[]) => {
  try {
    parse(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("no usage error");
};

describe("parseCommandLine", () => {
  test("long, inline, short, clustered and repeated flags; positionals around them; -- ends flags", () => {
    expect(parse("logs", "--step", "3", "-qs", "a", "--session=b", "-fb", "--json", "--min-reward", "-0.5", "--", "--x")).toEqual({
      flags: { step: 3, steps: undefined, session: ["a", "b"], format: "b", json: true, quiet: true, forced: undefined, "min-reward": -0.5, help: false },
      positionals: ["logs", "--x"],
      help: false,
    });
    expect(parse().flags).toEqual({ step: undefined, steps: undefined, session: [], format: "a", json: false, quiet: false, forced: undefined, "min-reward": undefined, help: false });
  });

  test("--x / --no-x: the last one wins", () => {
    expect(parse("--forced").flags.forced).toBe(true);
    expect(parse("--no-forced").flags.forced).toBe(false);
    expect(parse("--no-forced", "--forced").flags.forced).toBe(true);
  });

  test("every mistake is one line naming the flag and what it expects", () => {
    expect(usage("--bogus")).toBe("unknown flag --bogus");
    expect(usage("--setp", "1")).toBe("unknown flag --setp; did you mean --step?");
    expect(usage("-x")).toBe("unknown flag -x");
    expect(usage("-qx")).toBe("unknown flag -x");
    expect(usage("--no-json")).toBe("unknown flag --no-json (--json has no --no- form)");
    expect(usage("--step")).toBe("--step expects an integer >= 0; received nothing");
    expect(usage("--step", "--json")).toBe("--step expects an integer >= 0; received nothing");
    expect(usage("--step", "-1")).toBe('--step expects an integer >= 0; received "-1"');
    expect(usage("--step", "1", "--step", "x")).toBe('--step expects an integer >= 0; received "x"');
    expect(usage("--steps", "5-2")).toBe('--steps expects a range A-B with A <= B (e.g. 3-7); received "5-2"');
    expect(usage("-f", "c")).toBe('--format expects one of a, b; received "c"');
    expect(usage("--json=yes")).toBe('--json takes no value; received "yes"');
    expect(usage("--no-forced=1")).toBe('--no-forced takes no value; received "1"');
    expect(usage("--session", "")).toBe('--session expects a session id; received ""');
    expect(usage("-s")).toBe("--session expects a session id; received nothing");
  });

  test("--help wins over every other mistake in the values", () => {
    expect(parse("--step", "x", "-h").help).toBe(true);
  });
});

describe.each(["ls", "stats", "export", "validate", "view"])("trajlog %s: trajlog's own one-line errors, exit 2", (command) => {
  test.each([
    [["--bogus"], "unknown flag --bogus"],
    [["--quiett"], "unknown flag --quiett; did you mean --quiet?"],
    [["-Z"], "unknown flag -Z"],
    [["--quiet=yes"], '--quiet takes no value; received "yes"'],
  ])("%j", async (args, message) => {
    expect(await runCli([command, "logs", ...args])).toEqual({ code: 2, stdout: "", stderr: `trajlog ${command}: ${message} (see trajlog ${command} --help)\n` });
  });
});

describe.each(["ls", "stats", "export"])("trajlog %s takes the shared selection flags", (command) => {
  test.each([
    [["--step", "two"], '--step expects an integer >= 0; received "two"'],
    [["--step"], "--step expects an integer >= 0; received nothing"],
    [["--steps", "5-2"], '--steps expects a range A-B with A <= B (e.g. 3-7); received "5-2"'],
    [["--since", "yesterday"], '--since expects an ISO 8601 date or datetime (e.g. 2026-02-19 or 2026-02-19T14:30:00Z); received "yesterday"'],
    [["--min-reward", "high"], '--min-reward expects a number; received "high"'],
    [["--max-reward"], "--max-reward expects a number; received nothing"],
    [["--min-reward", "1", "--max-reward", "0"], "--min-reward (1) is above --max-reward (0)"],
    [["--experiment", ""], '--experiment expects an experiment name; received ""'],
    [["--instance", "-q"], "--instance expects an instance id; received nothing"],
    [["--step", "1", "--steps", "1-2"], "--step and --steps cannot be combined; use one"],
    [["--only-completed", "--only-errored"], "--only-completed, --only-errored and --only-incomplete are mutually exclusive; use one"],
    [["--forced=yes"], '--forced takes no value; received "yes"'],
    [["--max-line-bytes", "lots"], '--max-line-bytes expects a size in bytes, with an optional K, M or G (e.g. 16M); received "lots"'],
  ])("%j", async (args, message) => {
    expect(await runCli([command, "logs", ...args])).toEqual({ code: 2, stdout: "", stderr: `trajlog ${command}: ${message} (see trajlog ${command} --help)\n` });
  });
});

test("export --limit -1 and --trajectory-limit 0 are trajlog's own errors", async () => {
  expect(await runCli(["export", "logs", "--limit", "-1"])).toEqual({
    code: 2,
    stdout: "",
    stderr: 'trajlog export: --limit expects an integer >= 0; received "-1" (see trajlog export --help)\n',
  });
  expect((await runCli(["export", "logs", "--trajectory-limit", "0"])).stderr).toBe(
    'trajlog export: --trajectory-limit expects an integer >= 1; received "0" (see trajlog export --help)\n',
  );
});

describe("--help is generated from the flag definitions", () => {
  test.each(["ls", "stats", "export", "validate", "view"])("%s: every flag once, with its default", async (command) => {
    const run = await runCli([command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(new RegExp(`^Usage: trajlog ${command} `));
    expect(run.stdout).toContain("\n  -q, --quiet ");
    expect(run.stdout).toContain("\n  -h, --help ");
    if (command !== "view" && command !== "validate") {
      for (const flag of ["-s, --session ID", "--experiment NAME", "--step N", "--steps A-B", "--instance ID", "--since DT", "--until DT", "--only-completed", "--only-errored", "--only-incomplete", "--min-reward X", "--max-reward X", "--[no-]forced", "--max-file-bytes SIZE"]) {
        const lines = run.stdout.split("\n").filter((l) => /^ {2}(-\w, | {4})--/.test(l) && l.slice(6).startsWith(flag.replace(/^-\w, /, "")));
        expect(lines.length, flag).toBe(1);
      }
    }
    if (command !== "view") expect(run.stdout).toContain("(default 9M)");
  });

  test("export shows its defaults", async () => {
    const help = (await runCli(["export", "--help"])).stdout;
    expect(help).toMatch(/\n {2}-f, --format F +opentraces, atlas, messages, rlm, hf-traces, parquet \(see Formats above\) \(default opentraces\)\n/);
    expect(help).toMatch(/\n {6}--success-threshold X +a reward above X counts as success \(opentraces outcome.success\) \(default 0\)\n/);
  });

  test("the main help's summaries are the commands' own", async () => {
    const main = (await runCli(["--help"])).stdout;
    for (const c of [lsCommand, statsCommand, validateCommand, exportCommand, viewCommand]) {
      expect(main).toContain(`\n  ${c.name.padEnd(8)}  ${c.summary}\n`);
    }
  });
});

test("the real bin: a bad flag exits 2 with the one line", async () => {
  expect(await spawnCli(["ls", "logs", "--setp", "1"])).toEqual({
    code: 2,
    stdout: "",
    stderr: "trajlog ls: unknown flag --setp; did you mean --step? (see trajlog ls --help)\n",
  });
});
