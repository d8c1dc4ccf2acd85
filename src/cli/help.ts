/** `--help` text, generated from a command's flag declarations. */
import type { Flag, FlagSet } from "./flags.js";

const DEFAULT_SECTION = "Options";

/** The left column of a flag's help line: `-s, --session ID`. */
function flagLabel(name: string, flag: Flag<unknown>): string {
  const long = flag.negatable === true ? `--[no-]${name}` : `--${name}`;
  const value = flag.takesValue ? ` ${flag.placeholder ?? "VALUE"}` : "";
  return `${flag.short !== undefined ? `-${flag.short}, ` : "    "}${long}${value}`;
}

/** The right column: description, then repeatable and default notes. */
function flagText(flag: Flag<unknown>): string {
  const notes: string[] = [];
  if (flag.repeatable === true) notes.push("repeatable");
  if (flag.defaultText !== undefined) notes.push(`default ${flag.defaultText}`);
  return notes.length === 0 ? flag.description : `${flag.description} (${notes.join("; ")})`;
}

/** The full help of one command. */
export function commandHelp(
  name: string,
  usage: string,
  description: string,
  flags: FlagSet,
  sectionNotes: Record<string, string>,
  examples: readonly string[],
): string {
  const sections = new Map<string, [string, Flag<unknown>][]>();
  for (const [flagName, flag] of Object.entries(flags)) {
    const section = flag.group ?? DEFAULT_SECTION;
    const list = sections.get(section) ?? [];
    list.push([flagName, flag]);
    sections.set(section, list);
  }
  // The general options close the list, whatever order the flags were declared in.
  const general = sections.get(DEFAULT_SECTION);
  if (general !== undefined) sections.delete(DEFAULT_SECTION), sections.set(DEFAULT_SECTION, general);

  const width = Math.max(...Object.entries(flags).map(([n, f]) => flagLabel(n, f).length)) + 2;
  const out = [`Usage: trajlog ${name} ${usage}`, "", description.trimEnd()];
  for (const [section, list] of sections) {
    const note = sectionNotes[section];
    out.push("", `${section}${note === undefined ? "" : ` (${note})`}:`);
    for (const [flagName, flag] of list) {
      const [first = "", ...rest] = flagText(flag).split("\n");
      out.push(`  ${flagLabel(flagName, flag).padEnd(width)}${first}`);
      for (const line of rest) out.push(`  ${"".padEnd(width)}${line}`);
    }
  }
  if (examples.length > 0) out.push("", "Examples:", ...examples.map((e) => `  ${e}`));
  return out.join("\n");
}
