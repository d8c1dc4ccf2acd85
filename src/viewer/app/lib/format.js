// Numbers, times and sizes as the tables show them.

const number = new Intl.NumberFormat("en-US");

/**
 * 12,345
 * @param {number | null | undefined} n
 * @returns {string}
 */
export function fmtInt(n) {
  return n === null || n === undefined ? "—" : number.format(n);
}

/**
 * A reward: up to 3 decimals; "—" when there is none.
 * @param {number | null | undefined} r
 * @returns {string}
 */
export function fmtReward(r) {
  if (r === null || r === undefined) return "—";
  return Number.isInteger(r) ? String(r) : r.toFixed(Math.abs(r) >= 100 ? 1 : 3).replace(/\.?0+$/, "");
}

/**
 * A mean, 2 decimals.
 * @param {number | null | undefined} x
 * @returns {string}
 */
export function fmtMean(x) {
  return x === null || x === undefined ? "—" : x.toFixed(2);
}

/**
 * Seconds as "850 ms", "4.2 s", "3 m 05 s", "2 h 04 m". Rounded once, to the unit shown, before
 * it is split into parts, so 119.6 s is "2 m 00 s" and never "1 m 60 s".
 * @param {number | null | undefined} s
 * @returns {string}
 */
export function fmtSeconds(s) {
  if (s === null || s === undefined) return "—";
  const ms = Math.round(s * 1000);
  if (ms < 1000) return `${ms} ms`;
  if (s < 9.95) return `${s.toFixed(1)} s`;
  const seconds = Math.round(s);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, "0")} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} m`;
}

/**
 * An ISO time as "2026-03-02 09:04:12" in UTC, the time zone of the files.
 * @param {string | null | undefined} iso
 * @returns {string}
 */
export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Bytes as "12.3 MB".
 * @param {number | null | undefined} n
 * @returns {string}
 */
export function fmtBytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  let x = n;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * "1 session", "3 sessions".
 * @param {number} n
 * @param {string} word
 * @param {string} [many]
 * @returns {string}
 */
export function plural(n, word, many = `${word}s`) {
  return `${fmtInt(n)} ${n === 1 ? word : many}`;
}
