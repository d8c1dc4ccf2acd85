import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { CONTENT_SECURITY_POLICY } from "../../src/viewer/server/http-response.js";
import { metadataLine } from "../helpers/lines.js";

// A small hand-written log tree: every timestamp and value is known, so whole answers can be
// asserted. (The browser test uses a tree written by the SDK itself.)
const T0 = "2026-01-01T00:00:00.000Z";

function meta(instance: string, step: number, timestamp: string, experiment = "exp"): object {
  return metadataLine({ timestamp, root_model: "m-1", instance_id: instance, training_step: step, experiment_name: experiment });
}

function iteration(n: number, timestamp: string, extra: Record<string, unknown> = {}): object {
  return {
    type: "iteration",
    iteration: n,
    timestamp,
    prompt: [
      { role: "system", content: "sys" },
      { role: "user", content: `question ${n}` },
    ],
    response: `answer ${n}\nsecond line`,
    code_blocks: [],
    final_answer: null,
    iteration_time: 1.5,
    ...extra,
  };
}

function block(code: string, stdout: string, stderr = ""): object {
  return {
    code,
    result: {
      stdout,
      stderr,
      locals: { x: 1 },
      execution_time: 0.25,
      rlm_calls: [
        { root_model: "sub-m", prompt: "p", response: "r", prompt_tokens: 10, completion_tokens: 3, execution_time: 0.5 },
      ],
      final_answer: null,
    },
  };
}

function summary(timestamp: string, reward: number | null, iterations: number, extra: Record<string, unknown> = {}): object {
  return { type: "summary", timestamp, reward, total_steps: iterations, total_iterations: iterations, ...extra };
}

const jsonl = (lines: object[]): string => lines.map((line) => `${JSON.stringify(line)}\n`).join("");

const FILES = {
  alpha0: "exp/step_0/alpha_20260101_000000_a1.jsonl",
  beta0: "exp/step_0/beta_20260101_000100_b1.jsonl",
  alpha1: "exp/step_1/alpha_20260101_010000_a2.jsonl",
  beta1: "exp/step_1/beta_20260101_010100_b2.jsonl",
  gamma: "other/step_3/gamma_20260102_000000_c1.jsonl",
} as const;

const LONG = "x".repeat(50_000);

let root: string;
let logDir: string;
let viewer: ViewerServer;

async function write(rel: string, text: string): Promise<void> {
  const file = path.join(logDir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-viewer-"));
  logDir = path.join(root, "logs");
  await write(
    FILES.alpha0,
    jsonl([
      meta("alpha", 0, T0),
      iteration(1, "2026-01-01T00:00:04.000Z", { code_blocks: [block("print(1)", "1\n")] }),
      iteration(2, "2026-01-01T00:00:08.000Z", { final_answer: "42", response: LONG }),
      summary("2026-01-01T00:00:10.000Z", 1, 2),
    ]),
  );
  await write(
    FILES.beta0,
    jsonl([
      meta("beta", 0, "2026-01-01T00:01:00.000Z"),
      iteration(1, "2026-01-01T00:01:03.000Z", { code_blocks: [block("1/0", "", "ZeroDivisionError: division by zero")] }),
      summary("2026-01-01T00:01:05.000Z", 0, 1, { error: { name: "Error", message: "boom" } }),
    ]),
  );
  await write(
    FILES.alpha1,
    jsonl([
      meta("alpha", 1, "2026-01-01T01:00:00.000Z"),
      iteration(1, "2026-01-01T01:00:03.000Z", { final_answer: ["label", "43"], response: "answer 1\nchanged line" }),
      summary("2026-01-01T01:00:04.000Z", 0.5, 1),
    ]),
  );
  // Still being written: a line that is not JSON in the middle, a partial line at the end.
  await write(
    FILES.beta1,
    `${jsonl([meta("beta", 1, "2026-01-01T01:01:00.000Z"), iteration(1, "2026-01-01T01:01:02.000Z")])}not json\n${jsonl([
      iteration(2, "2026-01-01T01:01:05.000Z"),
    ])}{"type":"itera`,
  );
  await write(FILES.gamma, jsonl([meta("gamma", 3, "2026-01-02T00:00:00.000Z", "other"), summary("2026-01-02T00:00:01.000Z", null, 0)]));
  // A file outside the log directory, and a link to it from inside: never served.
  await writeFile(path.join(root, "secret.jsonl"), jsonl([meta("secret", 0, T0)]));
  await symlink(path.join(root, "secret.jsonl"), path.join(logDir, "exp/step_0/link_20260101_000000_zz.jsonl"));
  viewer = await startViewer({ logDir, port: 0, pollMs: 60_000 });
  await viewer.index.ready;
});

afterAll(async () => {
  await viewer?.close();
  await rm(root, { recursive: true, force: true });
});

async function getJson(target: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(target, viewer.url));
  return { status: response.status, body: await response.json() };
}

/** A request sent exactly as written: fetch would resolve `..` before sending. */
function raw(
  target: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: viewer.port, path: target, method: options.method ?? "GET", headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const row = (rel: string, fields: Record<string, unknown>) => ({
  relPath: rel,
  sessionId: path.basename(rel, ".jsonl"),
  sizeBytes: expect.any(Number),
  mtimeMs: expect.any(Number),
  model: "m-1",
  error: null,
  forced: false,
  inputTokens: 0,
  outputTokens: 0,
  ...fields,
});

const ROWS = {
  alpha0: row(FILES.alpha0, {
    experiment: "exp", trainingStep: 0, instanceId: "alpha", iterations: 2, reward: 1, state: "completed", status: "completed",
    startedAt: T0, endedAt: "2026-01-01T00:00:10.000Z", durationSeconds: 10, finalAnswer: "42",
    inputTokens: 10, outputTokens: 3, iterationSeconds: 3, timedIterations: 2,
  }),
  beta0: row(FILES.beta0, {
    experiment: "exp", trainingStep: 0, instanceId: "beta", iterations: 1, reward: 0, state: "errored", status: "errored",
    startedAt: "2026-01-01T00:01:00.000Z", endedAt: "2026-01-01T00:01:05.000Z", durationSeconds: 5, finalAnswer: null,
    error: "Error: boom", inputTokens: 10, outputTokens: 3, iterationSeconds: 1.5, timedIterations: 1,
  }),
  alpha1: row(FILES.alpha1, {
    experiment: "exp", trainingStep: 1, instanceId: "alpha", iterations: 1, reward: 0.5, state: "completed", status: "completed",
    startedAt: "2026-01-01T01:00:00.000Z", endedAt: "2026-01-01T01:00:04.000Z", durationSeconds: 4, finalAnswer: "43",
    iterationSeconds: 1.5, timedIterations: 1,
  }),
  beta1: row(FILES.beta1, {
    experiment: "exp", trainingStep: 1, instanceId: "beta", iterations: 2, reward: null, state: "incomplete", status: "live",
    startedAt: "2026-01-01T01:01:00.000Z", endedAt: "2026-01-01T01:01:05.000Z", durationSeconds: 5, finalAnswer: null,
    iterationSeconds: 3, timedIterations: 2,
  }),
  gamma: row(FILES.gamma, {
    experiment: "other", trainingStep: 3, instanceId: "gamma", iterations: 0, reward: null, state: "completed", status: "completed",
    startedAt: "2026-01-02T00:00:00.000Z", endedAt: "2026-01-02T00:00:01.000Z", durationSeconds: 1, finalAnswer: null,
    iterationSeconds: 0, timedIterations: 0,
  }),
};

describe("static files", () => {
  it("serves the page, its scripts and uPlot from the package, with strict security headers", async () => {
    const page = await fetch(viewer.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await page.text()).toContain('<script type="module" src="/assets/app.js"></script>');
    for (const asset of ["/assets/app.js", "/assets/pages/session.js", "/vendor/uplot.js"]) {
      const response = await fetch(new URL(asset, viewer.url));
      expect([asset, response.status, response.headers.get("content-type")]).toEqual([asset, 200, "text/javascript; charset=utf-8"]);
    }
    expect((await fetch(new URL("/vendor/uplot.css", viewer.url))).status).toBe(200);
  });

  it("the CSP allows only same-origin scripts, styles and requests", () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});

/** A step's figures that most steps of this tree share. */
const STEP = {
  sessions: 0, completed: 0, errored: 0, incomplete: 0, live: 0, partial: false, forced: 0, sampled: 0, rewarded: 0,
  rewardMean: null, rewardMin: null, rewardMax: null, rewardStd: null, rewardQuantiles: null, forcedRewardMean: null, errorRate: 0,
  iterationsMean: 0, iterationTimeMean: 1.5, inputTokens: 0, outputTokens: 0, inputTokensMean: 0, outputTokensMean: 0,
  groups: 0, zeroVarianceGroups: 0, zeroVarianceShare: null,
};

describe("GET /api/overview", () => {
  it("gives per-experiment, per-step statistics", async () => {
    const { status, body } = await getJson("/api/overview");
    expect(status).toBe(200);
    expect(body).toEqual({
      logDir,
      generation: 1,
      indexing: null,
      sessions: 5,
      forced: "apart",
      experiments: [
        {
          experiment: "exp",
          sessions: 4,
          instances: 2,
          models: ["m-1"],
          firstStartedAt: T0,
          lastEndedAt: "2026-01-01T01:01:05.000Z",
          steps: [
            {
              ...STEP, experiment: "exp", step: 0, sessions: 2, completed: 1, errored: 1, sampled: 2, rewarded: 2, rewardMean: 0.5, rewardMin: 0, rewardMax: 1,
              rewardStd: Math.SQRT1_2, rewardQuantiles: { p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9 }, errorRate: 0.5, iterationsMean: 1.5,
              inputTokens: 20, outputTokens: 6, inputTokensMean: 10, outputTokensMean: 3,
            },
            // beta1 is still being written: the step is partial.
            {
              ...STEP, experiment: "exp", step: 1, sessions: 2, completed: 1, incomplete: 1, live: 1, partial: true, sampled: 2, rewarded: 1,
              rewardMean: 0.5, rewardMin: 0.5, rewardMax: 0.5, rewardQuantiles: { p10: 0.5, p25: 0.5, p50: 0.5, p75: 0.5, p90: 0.5 }, iterationsMean: 1.5,
            },
          ],
        },
        {
          experiment: "other",
          sessions: 1,
          instances: 1,
          models: ["m-1"],
          firstStartedAt: "2026-01-02T00:00:00.000Z",
          lastEndedAt: "2026-01-02T00:00:01.000Z",
          steps: [
            { ...STEP, experiment: "other", step: 3, sessions: 1, completed: 1, sampled: 1, iterationsMean: 0, iterationTimeMean: null },
          ],
        },
      ],
    });
  });
});

describe("GET /api/lists and /api/version", () => {
  it("give the browser its lists and the index's state", async () => {
    expect(await getJson("/api/lists")).toEqual({
      status: 200,
      body: {
        sortKeys: ["step", "instance", "iterations", "reward", "status", "started", "duration"],
        sortOrders: ["asc", "desc"],
        statuses: ["completed", "errored", "live", "unfinished"],
        searchFields: ["response", "code", "stdout", "stderr", "final_answer"],
        forcedModes: ["apart", "include"],
        iterationKeys: ["type", "iteration", "timestamp", "prompt", "response", "code_blocks", "final_answer", "iteration_time", "usage"],
        limits: { sessionPage: 500, iterationPage: 50, search: 1000 },
      },
    });
    expect(await getJson("/api/version")).toEqual({ status: 200, body: { generation: 1, indexing: null } });
  });
});

describe("GET /api/sessions", () => {
  it("lists every session in scan order by default", async () => {
    const { body } = await getJson("/api/sessions");
    expect(body).toEqual({
      generation: 1,
      indexing: null,
      total: 5,
      offset: 0,
      limit: 50,
      rows: [ROWS.alpha0, ROWS.beta0, ROWS.alpha1, ROWS.beta1, ROWS.gamma],
    });
  });

  it("filters by experiment, step, state and text", async () => {
    expect((await getJson("/api/sessions?experiment=exp&step=1")).body.rows).toEqual([ROWS.alpha1, ROWS.beta1]);
    expect((await getJson("/api/sessions?status=live")).body.rows).toEqual([ROWS.beta1]);
    expect((await getJson("/api/sessions?status=errored")).body.rows).toEqual([ROWS.beta0]);
    expect((await getJson("/api/sessions?q=ALPHA")).body.rows).toEqual([ROWS.alpha0, ROWS.alpha1]);
    expect((await getJson("/api/sessions?q=43")).body.rows).toEqual([ROWS.alpha1]);
    expect((await getJson("/api/sessions?instance=beta")).body.rows).toEqual([ROWS.beta0, ROWS.beta1]);
  });

  it("sorts either way with missing values last, and pages", async () => {
    const desc = await getJson("/api/sessions?sort=reward&order=desc");
    expect(desc.body.rows).toEqual([ROWS.alpha0, ROWS.alpha1, ROWS.beta0, ROWS.beta1, ROWS.gamma]);
    const asc = await getJson("/api/sessions?sort=reward&order=asc");
    expect(asc.body.rows).toEqual([ROWS.beta0, ROWS.alpha1, ROWS.alpha0, ROWS.beta1, ROWS.gamma]);
    const page = await getJson("/api/sessions?sort=duration&order=desc&offset=1&limit=2");
    expect(page.body).toEqual({ generation: 1, indexing: null, total: 5, offset: 1, limit: 2, rows: [ROWS.beta0, ROWS.beta1] });
  });

  it("answers 400 naming the parameter, what it expects and what it got", async () => {
    expect(await getJson("/api/sessions?sort=nope")).toEqual({
      status: 400,
      body: { error: 'query parameter "sort" must be one of "step", "instance", "iterations", "reward", "status", "started", "duration"; received "nope"' },
    });
    expect(await getJson("/api/sessions?limit=0")).toEqual({
      status: 400,
      body: { error: 'query parameter "limit" must be an integer from 1 to 500; received "0"' },
    });
    expect(await getJson("/api/sessions?step=1.5")).toEqual({
      status: 400,
      body: { error: `query parameter "step" must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}; received "1.5"` },
    });
  });
});

describe("GET /api/session and its iterations", () => {
  it("gives metadata, summary, problems and the outline of every iteration", async () => {
    const { status, body } = await getJson(`/api/session?path=${encodeURIComponent(FILES.beta1)}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      row: ROWS.beta1,
      metadata: meta("beta", 1, "2026-01-01T01:01:00.000Z"),
      metadataLine: 1,
      metadataTruncated: {},
      summary: null,
      summaryLine: null,
      summaryTruncated: {},
      errorFacts: null,
      problems: [{ line: 3, message: expect.stringMatching(/^not valid JSON: /) }],
      problemCount: 1,
      iterationCount: 2,
      outline: [
        { line: 2, iteration: 1, timestamp: "2026-01-01T01:01:02.000Z", seconds: 1.5, codeBlocks: 0, errors: 0, subCalls: 0, promptTokens: null, completionTokens: null, final: false, promptMessages: 2, promptKept: 0 },
        // The system message carries over; the question is new.
        { line: 4, iteration: 2, timestamp: "2026-01-01T01:01:05.000Z", seconds: 1.5, codeBlocks: 0, errors: 0, subCalls: 0, promptTokens: null, completionTokens: null, final: false, promptMessages: 2, promptKept: 1 },
      ],
      pendingBytes: '{"type":"itera'.length,
      sizeBytes: ROWS.beta1.sizeBytes,
    });
  });

  it("pages iterations and cuts long strings, saying where the whole ones are", async () => {
    const { body } = await getJson(`/api/session/iterations?path=${encodeURIComponent(FILES.alpha0)}&offset=1&limit=5`);
    expect(body).toEqual({
      total: 2,
      offset: 1,
      limit: 5,
      items: [
        {
          line: 3,
          data: { ...iteration(2, "2026-01-01T00:00:08.000Z", { final_answer: "42" }), response: LONG.slice(0, 20_000) },
          truncated: { "/response": 50_000 },
          promptKept: 1,
          // The iteration's entry of the session's outline: the card shows these figures.
          outline: { line: 3, iteration: 2, timestamp: "2026-01-01T00:00:08.000Z", seconds: 1.5, codeBlocks: 0, errors: 0, subCalls: 0, promptTokens: null, completionTokens: null, final: true, promptMessages: 2, promptKept: 1 },
        },
      ],
    });
    const whole = await fetch(new URL(`/api/text?path=${encodeURIComponent(FILES.alpha0)}&line=3&pointer=/response`, viewer.url));
    expect(whole.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await whole.text()).toBe(LONG);
  });

  it("gives one value of a line as text, and 404 for a value that is not there", async () => {
    const rel = encodeURIComponent(FILES.alpha0);
    const code = await fetch(new URL(`/api/text?path=${rel}&line=2&pointer=/code_blocks/0/result/locals`, viewer.url));
    expect(await code.text()).toBe('{\n  "x": 1\n}');
    expect((await fetch(new URL(`/api/text?path=${rel}&line=2&pointer=/nope`, viewer.url))).status).toBe(404);
    expect((await fetch(new URL(`/api/text?path=${rel}&line=99&pointer=`, viewer.url))).status).toBe(404);
  });

  it("downloads the file as it is", async () => {
    const response = await fetch(new URL(`/api/raw?path=${encodeURIComponent(FILES.alpha1)}`, viewer.url));
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="alpha_20260101_010000_a2.jsonl"');
    expect(await response.text()).toBe(
      jsonl([
        meta("alpha", 1, "2026-01-01T01:00:00.000Z"),
        iteration(1, "2026-01-01T01:00:03.000Z", { final_answer: ["label", "43"], response: "answer 1\nchanged line" }),
        summary("2026-01-01T01:00:04.000Z", 0.5, 1),
      ]),
    );
  });
});

describe("an instance across steps", () => {
  it("gives the instance as a grid of steps × rollouts", async () => {
    const { body } = await getJson("/api/instance?experiment=exp&instance=alpha");
    const cell = (rel: string, reward: number, iterations: number) => ({ path: rel, reward, status: "completed", forced: false, iterations });
    expect(body).toEqual({
      experiment: "exp",
      instanceId: "alpha",
      sessions: 2,
      maxRollouts: 1,
      steps: [
        { step: 0, mean: 1, std: null, zeroVariance: false, min: 1, max: 1, partial: false, rollouts: [cell(FILES.alpha0, 1, 2)] },
        { step: 1, mean: 0.5, std: null, zeroVariance: false, min: 0.5, max: 0.5, partial: false, rollouts: [cell(FILES.alpha1, 0.5, 1)] },
      ],
    });
  });

  it("gives each rollout of a group with a sketch of how it went", async () => {
    const { body } = await getJson("/api/group?experiment=exp&step=0&instance=alpha");
    const mark = (fields: object) => ({ errors: 0, subCalls: 0, codeBlocks: 0, final: false, seconds: 1.5, ...fields });
    expect(body.rollouts).toEqual([
      { ...ROWS.alpha0, path: FILES.alpha0, rank: 1, advantage: null, sketch: { marks: [mark({ subCalls: 1, codeBlocks: 1 }), mark({ final: true })], opening: "answer 1" } },
    ]);
  });

  it("compares two sessions iteration by iteration as line diffs", async () => {
    const { body } = await getJson(`/api/compare?a=${encodeURIComponent(FILES.alpha0)}&b=${encodeURIComponent(FILES.alpha1)}`);
    expect(body).toEqual({
      a: ROWS.alpha0,
      b: ROWS.alpha1,
      total: 2,
      offset: 0,
      limit: 10,
      pairs: [
        {
          index: 0,
          a: { line: 2, iteration: 1, seconds: 1.5, codeBlocks: 1, errors: 0, finalAnswer: null },
          b: { line: 2, iteration: 1, seconds: 1.5, codeBlocks: 0, errors: 0, finalAnswer: "43" },
          response: [
            { op: "same", text: "answer 1" },
            { op: "del", text: "second line" },
            { op: "add", text: "changed line" },
          ],
          code: [{ op: "del", text: "print(1)" }],
          output: [
            { op: "del", text: "1" },
            { op: "del", text: "" },
          ],
          clipped: false,
        },
        {
          index: 1,
          a: { line: 3, iteration: 2, seconds: 1.5, codeBlocks: 0, errors: 0, finalAnswer: "42" },
          b: null,
          response: [{ op: "del", text: LONG.slice(0, 20_000) }],
          code: [],
          output: [],
          clipped: true,
        },
      ],
    });
  });
});

describe("path checks", () => {
  const session = encodeURIComponent(FILES.alpha0);
  const attempts = [
    "/../secret.jsonl",
    "/assets/../../secret.jsonl",
    "/assets/%2e%2e/%2e%2e/secret.jsonl",
    "/assets/%2E%2E%2F%2E%2E%2Fsecret.jsonl",
    "/assets/%252e%252e%252fsecret.jsonl",
    "/assets/%25252e%25252e/secret.jsonl",
    "/assets/..%2fsecret.jsonl",
    "/assets/..%5csecret.jsonl",
    "/assets/..\\..\\secret.jsonl",
    "/assets/%c0%ae%c0%ae/secret.jsonl",
    "/assets/%e0%80%ae%e0%80%ae/secret.jsonl",
    "/assets/%EF%BC%8E%EF%BC%8E/secret.jsonl",
    "/assets/app.js%00.png",
    "/vendor/../package.json",
    "/api/raw?path=../secret.jsonl",
    "/api/raw?path=exp/../../secret.jsonl",
    "/api/raw?path=exp%2F..%2F..%2Fsecret.jsonl",
    "/api/raw?path=exp%252F..%252F..%252Fsecret.jsonl",
    "/api/raw?path=%2Fetc%2Fpasswd",
    "/api/raw?path=/tmp/secret.jsonl",
    "/api/raw?path=C:%5Csecret.jsonl",
    "/api/raw?path=exp/step_0/link_20260101_000000_zz.jsonl",
    "/api/session?path=exp/step_0/./alpha_20260101_000000_a1.jsonl",
    "/api/session?path=exp/step_0",
    "/api/text?path=..%2Fsecret.jsonl&line=1",
    `/api/compare?a=${session}&b=..%2Fsecret.jsonl`,
    "/package.json",
    "/index.html/..",
    "/etc/passwd",
  ];

  it.each(attempts)("%s → 404", async (target) => {
    const response = await raw(target);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("secret");
  });

  it("finds nothing through a link out of the log directory, and takes names in group, step, instance and search as text", async () => {
    const search = await fetch(new URL("/api/search?q=secret", viewer.url));
    expect((await search.text()).split("\n").filter((l) => l !== "" && !l.startsWith('{"progress"'))).toEqual([
      JSON.stringify({ done: true, sessionsSearched: 5, sessionsTotal: 5, results: 0, capped: false }),
    ]);
    const group = await getJson("/api/group?experiment=..&step=0&instance=..%2F..%2Fsecret");
    expect([group.status, group.body.rollouts]).toEqual([200, []]);
    const instance = await getJson("/api/instance?experiment=..%2F..&instance=secret");
    expect([instance.status, instance.body.steps]).toEqual([200, []]);
    const step = await getJson("/api/step?experiment=..%2F..%2F&step=0");
    expect([step.status, step.body.groups, step.body.stats]).toEqual([200, [], null]);
    const searched = await raw("/api/search?q=x&experiment=..%2F..&instance=..%2Fsecret");
    expect([searched.status, searched.body]).toEqual([200, `${JSON.stringify({ done: true, sessionsSearched: 0, sessionsTotal: 0, results: 0, capped: false })}\n`]);
  });

  it("takes dots in free-text parameters as text", async () => {
    expect(await getJson("/api/sessions?q=..%2F..")).toEqual({ status: 200, body: { generation: 1, indexing: null, total: 0, offset: 0, limit: 50, rows: [] } });
  });

  it("serves a known session through the same parameters", async () => {
    expect((await raw(`/api/raw?path=${session}`)).status).toBe(200);
  });
});

describe("read-only", () => {
  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])("%s → 405", async (method) => {
    for (const target of ["/", "/api/overview", `/api/raw?path=${encodeURIComponent(FILES.alpha0)}`, "/api/search?q=a", "/api/group?experiment=exp&step=0&instance=alpha", "/nope"]) {
      const response = await raw(target, { method });
      expect([target, response.status, response.headers.allow]).toEqual([target, 405, "GET"]);
    }
  });

  it("answers only requests addressed to this machine (no DNS rebinding)", async () => {
    for (const target of ["/api/overview", "/api/search?q=a", "/api/group?experiment=exp&step=0&instance=alpha", "/api/step?experiment=exp&step=0", "/api/instance?experiment=exp&instance=alpha"]) {
      expect([target, (await raw(target, { headers: { Host: "127.evil.com" } })).status]).toEqual([target, 403]);
    }
    expect((await raw("/api/overview", { headers: { Host: "evil.example:80" } })).status).toBe(403);
    expect((await raw("/api/overview", { headers: { Host: `localhost:${viewer.port}` } })).status).toBe(200);
  });
});

describe("the index follows the directory", () => {
  it("does not read an unchanged file again", async () => {
    const before = viewer.index.get(FILES.alpha0);
    await viewer.index.refresh();
    expect(viewer.index.get(FILES.alpha0)).toBe(before);
  });

  it("picks up appended lines and new files", async () => {
    const started = (await getJson("/api/version")).body.generation;
    await appendFile(
      path.join(logDir, FILES.beta1),
      `tion","iteration":3}\n${JSON.stringify(summary("2026-01-01T01:01:09.000Z", 0.25, 3))}\n`,
    );
    await write("exp/step_2/alpha_20260101_020000_a3.jsonl", jsonl([meta("alpha", 2, "2026-01-01T02:00:00.000Z")]));
    // The poller runs every minute in this test: ask for a scan instead of waiting.
    await viewer.index.refresh();
    expect((await getJson("/api/version")).body.generation).toBeGreaterThan(started);
    const detail = await getJson(`/api/session?path=${encodeURIComponent(FILES.beta1)}`);
    expect({
      status: detail.body.row.status,
      reward: detail.body.row.reward,
      problems: detail.body.problems.map((p: { line: number }) => p.line),
      pending: detail.body.pendingBytes,
      iterations: detail.body.iterationCount,
    }).toEqual({ status: "completed", reward: 0.25, problems: [3, 5], pending: 0, iterations: 2 });
    const alpha = await getJson("/api/instance?experiment=exp&instance=alpha");
    expect(alpha.body.steps.map((s: { step: number; rollouts: { status: string }[] }) => [s.step, s.rollouts[0]?.status])).toEqual([
      [0, "completed"],
      [1, "completed"],
      [2, "live"],
    ]);
  });

  it("marks an incomplete session not written to recently as unfinished", async () => {
    const file = path.join(logDir, "exp/step_2/alpha_20260101_020000_a3.jsonl");
    const old = new Date(Date.now() - 3600_000);
    await utimes(file, old, old);
    await viewer.index.refresh();
    const { body } = await getJson("/api/sessions?experiment=exp&step=2");
    expect(body.rows.map((r: { status: string }) => r.status)).toEqual(["unfinished"]);
  });

  it("polls on its own", async () => {
    const polled = await startViewer({ logDir, port: 0, pollMs: 20 });
    try {
      await write("other/step_4/delta_20260103_000000_d1.jsonl", jsonl([meta("delta", 4, "2026-01-03T00:00:00.000Z", "other")]));
      await expect
        .poll(async () => ((await (await fetch(new URL("/api/sessions?instance=delta", polled.url))).json()) as { total: number }).total, {
          timeout: 10_000,
        })
        .toBe(1);
    } finally {
      await polled.close();
    }
  });
});

describe("a large session", () => {
  it("is indexed from its edges and served a page at a time", async () => {
    // ~6 MB: more than the size read whole for the index.
    const lines: object[] = [meta("big", 5, T0)];
    for (let i = 1; i <= 300; i++) lines.push(iteration(i, T0, { response: `${i} ${"y".repeat(20_000)}` }));
    lines.push(summary("2026-01-01T00:10:00.000Z", 0.75, 300));
    const rel = "exp/step_5/big_20260101_000000_e1.jsonl";
    await write(rel, jsonl(lines));
    await viewer.index.refresh();
    const listed = await getJson("/api/sessions?instance=big");
    expect(listed.body.rows).toEqual([
      row(rel, {
        experiment: "exp", trainingStep: 5, instanceId: "big", iterations: 300, reward: 0.75, state: "completed", status: "completed",
        startedAt: T0, endedAt: "2026-01-01T00:10:00.000Z", durationSeconds: 600, finalAnswer: null,
        iterationSeconds: 450, timedIterations: 300,
      }),
    ]);
    const response = await fetch(new URL(`/api/session/iterations?path=${encodeURIComponent(rel)}&offset=290&limit=50`, viewer.url));
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.items.map((item: { data: { iteration: number } }) => item.data.iteration)).toEqual([291, 292, 293, 294, 295, 296, 297, 298, 299, 300]);
    expect(text.length).toBeLessThan(300_000);
  });
});
