/** Plain-text tables for terminal output. */
import { escapeControl } from "./terminal-text.js";

/** Rows padded into aligned columns, control characters escaped; columns listed in `right` are right-aligned. */
export function formatTable(header: readonly string[], cells: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string[] {
  // Escaped before measuring, so a control character in a cell neither acts nor skews a column.
  const rows = cells.map((r) => r.map(escapeControl));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A number for a table cell: `-` when absent, else at most `digits` decimals. */
export function cell(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(digits)));
}
