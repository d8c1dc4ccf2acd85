import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TrajectoryLogger } from "../../src/index.js";
import { ADVERSARIAL_INPUTS } from "../../bench/lib/adversarial-text.mjs";
import { TraceRecordSchema } from "../../src/export/opentraces-schema.js";
import { jsonLines, runCli } from "./run-cli.js";

const REDACTED = "trajlog export: known secret patterns are redacted, the rest of the content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";

// Secret-shaped strings assembled at run time, so none sits in the repository as is.
const OPENAI = ["sk", "proj", "Zx8vQ2mN4pL7rT1wY6bC3dF9gH0jK5sA"].join("-");
const AWS_ID = ["AKIA", "QYLPMN5HZ2KDTX7E"].join("");
const GITHUB = ["ghp", "R7tYq2LmN8vB4xC1zK9wD3fG6hJ0pS5aE2uI"].join("_");

let logDir: string;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "trajlog-export-redact-"));
  logDir = path.join(work, "logs");
  // Written with redaction off: the raw secrets are on disk, as in logs from before the policy.
  const logger = new TrajectoryLogger({ logDir, experimentName: "leaky", sampleRate: 1, redact: false });
  const session = logger.startSession({
    instanceId: "inst-1",
    trainingStep: 2,
    modelName: "m",
    configMetadata: { api_key_hint: OPENAI },
  });
  session.logIteration({
    prompt: [{ role: "user", content: `use ${OPENAI} to call the API` }],
    response: "printing the environment",
    code: "import os; print(os.environ)",
    result: { stdout: `AWS_ACCESS_KEY_ID=${AWS_ID}\nGITHUB_TOKEN=${GITHUB}\n`, locals: { [GITHUB]: "as a key" } },
  });
  await session.finalize({ reward: 1 });
  await logger.close();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("trajlog export --redact", () => {
  test("the raw logs hold the secrets; the export does not, in any format", async () => {
    for (const format of ["opentraces", "atlas", "messages"]) {
      const plain = await runCli(["export", logDir, "--all", "-q", "--format", format]);
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain(OPENAI);
      const run = await runCli(["export", logDir, "--all", "--redact", "--format", format]);
      expect(run.code).toBe(0);
      for (const secret of [OPENAI, AWS_ID, GITHUB]) expect(run.stdout).not.toContain(secret);
      expect(run.stdout).toContain("[REDACTED:openai_key]");
      const cost = format === "opentraces" ? "estimated_cost_usd left null: no price table given \\(--prices FILE\\)\\n" : "";
      expect(run.stderr).toMatch(new RegExp(`^${REDACTED.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\nRedacted \\d+ secrets, truncated 0 fields\\n${cost}Exported 1 session \\(1 iteration\\) to stdout\\n$`));
    }
  });

  test("opentraces records say how many secrets the export replaced, and still validate", async () => {
    const run = await runCli(["export", logDir, "--all", "--redact", "-q"]);
    const [record] = jsonLines(run.stdout) as Array<Record<string, unknown>>;
    const steps = record?.steps as Array<{ role: string; content: string; observations?: Array<{ content: string }> }>;
    expect(steps[0]).toMatchObject({ role: "user", content: "use [REDACTED:openai_key] to call the API" });
    const stdout = steps[1]?.observations?.[0]?.content;
    expect(stdout).toBe("AWS_ACCESS_KEY_ID=[REDACTED:aws_key]\nGITHUB_TOKEN=[REDACTED:github_token]\n");
    const security = record?.security as { redactions_applied: number };
    expect(security).toEqual({
      scanned: true,
      flags_reviewed: 0,
      redactions_applied: security.redactions_applied,
      classifier_version: expect.stringMatching(/^trajlog \d+\.\d+\.\d+/),
    });
    expect(security.redactions_applied).toBeGreaterThanOrEqual(5);
    const validate = new Ajv({ strict: false }).compile(TraceRecordSchema);
    expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    const plain = jsonLines((await runCli(["export", logDir, "--all", "-q"])).stdout)[0] as Record<string, unknown>;
    expect("security" in plain).toBe(false);
  });

  test("takes linear time on text built to make redaction slow", { timeout: 120_000 }, async () => {
    // Written unredacted: outputs that made each pattern scan again at every step. Linear time
    // is what is asserted, so the same texts are exported at two sizes: twice the text must
    // cost about twice the CPU time (a scan that reads text again per match: four times). A
    // ratio to ordinary text would also move whenever ordinary text gets cheaper.
    const names = ['"password="', '"token="', '"aws_secret_access_key="', '"apikey="', `"'password'="`];
    // Both under the 1 MiB field cap, which would otherwise cut them to the same size.
    const sizes = { single: 384 * 1024, double: 768 * 1024 };
    const dirs = { single: path.join(work, "single"), double: path.join(work, "double") };
    for (const [which, dir] of Object.entries(dirs) as Array<[keyof typeof sizes, string]>) {
      const logger = new TrajectoryLogger({ logDir: dir, experimentName: which, sampleRate: 1, redact: false });
      const session = logger.startSession({ instanceId: which, trainingStep: 1, modelName: "m" });
      for (const name of names) {
        const text = ADVERSARIAL_INPUTS.find((input) => input.name === name)?.build(sizes[which]) as string;
        session.logIteration({ prompt: "print the environment", response: "ok", code: "print(env)", result: { stdout: text } });
      }
      await session.finalize({ reward: 0 });
      await logger.close();
    }
    // Interleaved, best of two each: the ratio of CPU times (this file has its process to
    // itself), so that a busy machine preempting one side does not decide the ratio.
    const times = { single: Infinity, double: Infinity };
    for (let round = 0; round < 2; round++) {
      for (const which of ["single", "double"] as const) {
        const started = process.cpuUsage();
        const run = await runCli(["export", dirs[which], "--all", "--redact", "--format", "messages", "-q"]);
        const spent = process.cpuUsage(started);
        times[which] = Math.min(times[which], (spent.user + spent.system) / 1000);
        expect(run.code).toBe(0);
        expect(run.stdout).not.toContain("policy_error");
      }
    }
    expect(times.double / times.single, `768 KiB each ${times.double.toFixed(0)} ms, 384 KiB each ${times.single.toFixed(0)} ms`).toBeLessThan(3);
  });
});
