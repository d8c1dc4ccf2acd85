/**
 * Hostile names: whatever the instance id or experiment name, every file lands inside
 * `logDir` (real paths resolved), every name fits in 255 bytes, distinct ids stay distinct,
 * and the metadata keeps the original strings.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { TrajectoryLogger, safeSegment, sessionPath } from "../src/index.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { readSession } from "./helpers/session-files.js";

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

/** Pieces that break naive file naming. */
const nasty = fc.constantFrom(
  "..", ".", "/", "\\", "../..", "../../etc/passwd", "\u0000", "\u0001", "\u001f", "\n", "\r", "\u007f",
  ":", "*", "?", "\"", "<", ">", "|", " ", "~", "$HOME", "%2e%2e%2f",
  "é", "e\u0301", "\u0301", "🦀", "𝔘", "\u{10FFFF}", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "ﬁ", "İ",
  "a", "Z", "0", "-", "_",
);
const hostile = fc.oneof(
  fc.array(nasty, { minLength: 1, maxLength: 12 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
  // Long: 300 characters and more, some 4 bytes each in UTF-8.
  fc.array(nasty, { minLength: 300, maxLength: 320 }).map((parts) => parts.join("")),
  fc.string({ unit: "grapheme", minLength: 300, maxLength: 310 }),
);

const realRoot = () => `${fs.realpathSync(root)}${path.sep}`;

describe("hostile instance ids and experiment names", () => {
  it("every file lands inside logDir, names fit in 255 bytes, the metadata keeps the originals", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, fc.nat({ max: 3 }), async (experimentName, instanceId, trainingStep) => {
        const logger = new TrajectoryLogger({ logDir: root, experimentName, sampleRate: 1 });
        const session = logger.startSession({ instanceId, trainingStep, modelName: "m" });
        session.logIteration({ prompt: "p", response: "r" });
        await session.finalize();
        await logger.close();

        const file = session.path as string;
        expect(fs.realpathSync(file).startsWith(realRoot())).toBe(true);
        for (const segment of path.relative(root, file).split(path.sep)) {
          expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
          expect(segment).not.toMatch(/^\.|[\u0000-\u001f\u007f/\\]/u);
        }
        expect(path.dirname(file)).toBe(path.join(root, path.basename(path.dirname(path.dirname(file))), `step_${trainingStep}`));
        const { metadata } = readSession(file);
        expect({ instance: metadata.instance_id, experiment: metadata.experiment_name }).toEqual({
          instance: instanceId,
          experiment: experimentName,
        });
        expect(logger.stats()).toMatchObject({ linesWritten: 3, writeErrors: 0, linesFailed: 0 });
      }),
      { numRuns: 150 },
    );
  });

  it("distinct ids never share a file, nor a name segment", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostile, { minLength: 2, maxLength: 12 }), async (ids) => {
        const logger = new TrajectoryLogger({ logDir: root, experimentName: "distinct", sampleRate: 1 });
        const sessions = ids.map((instanceId) => logger.startSession({ instanceId, trainingStep: 0, modelName: "m" }));
        await Promise.all(sessions.map((s) => s.finalize()));
        await logger.close();
        expect(new Set(sessions.map((s) => s.path)).size).toBe(ids.length);
        expect(new Set(ids.map((id) => safeSegment(id))).size).toBe(ids.length);
        sessions.forEach((session, i) => expect(readSession(session.path as string).metadata.instance_id).toBe(ids[i]));
      }),
      { numRuns: 60 },
    );
  });

  it("an id spelled like another id's safe form still gets a name of its own", () => {
    for (const raw of ["foo/", "../x", "a b", "é".normalize("NFD"), "x".repeat(300)]) {
      const lookalike = safeSegment(raw);
      expect(lookalike).not.toBe(raw);
      expect(safeSegment(lookalike)).not.toBe(safeSegment(raw));
    }
  });

  it("a plain id is kept as it is", () => {
    expect(safeSegment("django__django-11099")).toBe("django__django-11099");
    expect(safeSegment("Ünïcödé_名前.v2")).toBe("Ünïcödé_名前.v2");
  });
});

describe("sessionPath", () => {
  it("accepts the file system root as logDir", () => {
    const startedAt = new Date("2026-02-19T14:30:00.123Z");
    expect(sessionPath({ logDir: "/", experimentName: "e", trainingStep: 2, instanceId: "i", startedAt, suffix: "s" })).toBe(
      "/e/step_2/i_20260219_143000_s.jsonl",
    );
  });
});
