import { expect, test } from "vitest";
import { classifyLine, schemaErrors } from "../../src/read/line-parser.js";
import { iterationLine, metadataLine } from "../helpers/lines.js";

test("classifyLine: JSON, line type, and the problem's wording, the same for every reader", () => {
  const meta = metadataLine();
  expect(
    [
      [JSON.stringify(meta), false],
      ['{"type":"summ', true],
      ["not json", false],
      ["[1,2]", false],
      ['{"a":1}', false],
      ['{"type":"checkpoint"}', false],
    ].map(([text, torn]) => classifyLine(text as string, torn as boolean)),
  ).toEqual([
    { ok: true, type: "metadata", value: meta },
    { ok: false, notJson: true, message: 'torn last line (no newline at the end): not valid JSON: "{\\"type\\":\\"summ"' },
    { ok: false, notJson: true, message: 'not valid JSON: "not json"' },
    { ok: false, notJson: false, message: 'not a trajectory line (no "type")' },
    { ok: false, notJson: false, message: 'not a trajectory line (no "type")' },
    { ok: false, notJson: false, message: 'unknown line type "checkpoint"' },
  ]);
});

test("schemaErrors: none for a valid line, `path: message` up to the cap otherwise", () => {
  expect(schemaErrors("iteration", iterationLine(), 3)).toEqual([]);
  const bad = { ...iterationLine(), iteration: "one", response: 5, code_blocks: "none", final_answer: 1 };
  const errors = schemaErrors("iteration", bad, 2);
  expect(errors).toHaveLength(2);
  expect(errors.every((error) => /^\/\w+: /.test(error))).toBe(true);
});
