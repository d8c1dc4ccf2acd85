/**
 * How many descriptors the writer may take without starving the application. The writer
 * never holds more than half of the process's soft limit, whatever `maxOpenFiles` says:
 * a logger must not be the reason a training process cannot open a socket or a dataset.
 */
import fs from "node:fs";

/** Half the soft `RLIMIT_NOFILE` of this process (Linux), or Infinity when unknown. */
export function descriptorBudget(): number {
  let text: string;
  try {
    text = fs.readFileSync("/proc/self/limits", "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  const soft = match?.[1];
  if (soft === undefined || soft === "unlimited") return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor(Number(soft) / 2));
}
