/**
 * Flag definitions and the command-line parser built on them. A command declares its flags
 * once; the parser, the typed values a command reads, every parse error and the `--help`
 * text are all derived from those declarations, so none of them can drift from the others.
 */
import { UsageError } from "./usage-error.js";

/** Where a flag came from on the command line: its value text, or (for switches) on/off. */
export type FlagOccurrence = { text: string } | { on: boolean };

/** One flag of a command. `V` is the type the command reads. */
export interface Flag<V> {
  /** True when the flag takes a value (`--step 3`, `--step=3`). */
  readonly takesValue: boolean;
  /** One-letter alias (`-q`). */
  readonly short?: string;
  /** Name of the value in help (`N`, `A-B`, `DT`). */
  readonly placeholder?: string;
  /** What a value must be, in the words of the error message ("an integer >= 0"). */
  readonly expects?: string;
  /** One line for `--help` (a few `\n`-separated lines at most). */
  readonly description: string;
  /** Help section; "Options" when absent. */
  readonly group?: string;
  /** Accepts `--no-<name>` as well. */
  readonly negatable?: boolean;
  /** The default as help shows it, when there is one. */
  readonly defaultText?: string;
  /** May be given more than once (values accumulate). */
  readonly repeatable?: boolean;
  /** The value the command reads, from every occurrence in command-line order. */
  read(occurrences: readonly FlagOccurrence[], name: string): V;
}

/** The flags of a command, by long name (without `--`). */
export type FlagSet = Record<string, Flag<unknown>>;

/** The values a command reads for a {@link FlagSet}. */
export type FlagValues<F extends FlagSet> = { [K in keyof F]: F[K] extends Flag<infer V> ? V : never };

interface Common {
  short?: string;
  group?: string;
}

/** A switch: true when given (the last of `--x` / `--no-x` wins when negatable), else false. */
export function switchFlag(description: string, options: Common = {}): Flag<boolean> {
  return {
    takesValue: false,
    description,
    ...options,
    read: (occurrences) => occurrences.some((o) => "on" in o && o.on),
  };
}

/**
 * A three-way switch: `--x` gives true, `--no-x` gives false, neither gives undefined. The
 * last one given wins.
 */
export function triStateFlag(description: string, options: Common = {}): Flag<boolean | undefined> {
  return {
    takesValue: false,
    negatable: true,
    description,
    ...options,
    read: (occurrences) => {
      const last = occurrences.at(-1);
      return last === undefined || !("on" in last) ? undefined : last.on;
    },
  };
}

/** How a value flag turns its text into a value; undefined when the text is not acceptable. */
export interface ValueParser<T> {
  /** What a value must be, for errors and help ("an integer >= 0"). */
  expects: string;
  parse(text: string): T | undefined;
}

interface ValueOptions<T> extends Common {
  /** Used when the flag is absent. */
  default?: T;
  /** The default as help shows it (else `String(default)`). */
  defaultText?: string;
}

/** Parses one occurrence, or throws the flag's one-line usage error. */
function parseOccurrence<T>(name: string, parser: ValueParser<T>, occurrence: FlagOccurrence): T {
  const text = "text" in occurrence ? occurrence.text : undefined;
  const value = text === undefined ? undefined : parser.parse(text);
  if (value === undefined) {
    throw new UsageError(`--${name} expects ${parser.expects}; received ${text === undefined ? "nothing" : JSON.stringify(text)}`);
  }
  return value;
}

/** A flag with one value; the last given wins. Undefined when absent and there is no default. */
export function valueFlag<T>(
  placeholder: string,
  parser: ValueParser<T>,
  description: string,
  options: ValueOptions<T> & { default: T },
): Flag<T>;
export function valueFlag<T>(placeholder: string, parser: ValueParser<T>, description: string, options?: ValueOptions<T>): Flag<T | undefined>;
export function valueFlag<T>(placeholder: string, parser: ValueParser<T>, description: string, options: ValueOptions<T> = {}): Flag<T | undefined> {
  const { default: fallback, defaultText, ...common } = options;
  const shown = defaultText ?? (fallback === undefined ? undefined : String(fallback));
  return {
    takesValue: true,
    placeholder,
    expects: parser.expects,
    description,
    ...common,
    ...(shown === undefined ? {} : { defaultText: shown }),
    read: (occurrences, name) => {
      // Every occurrence is checked, so a bad value is never hidden by a later good one.
      const values = occurrences.map((o) => parseOccurrence(name, parser, o));
      return values.at(-1) ?? fallback;
    },
  };
}

/** A repeatable flag: every value given, in order (empty when absent). */
export function listFlag<T>(placeholder: string, parser: ValueParser<T>, description: string, options: Common = {}): Flag<T[]> {
  return {
    takesValue: true,
    repeatable: true,
    placeholder,
    expects: parser.expects,
    description,
    ...options,
    read: (occurrences, name) => occurrences.map((o) => parseOccurrence(name, parser, o)),
  };
}

/** What the command line held, before values are read. */
export interface ParsedLine<F extends FlagSet> {
  flags: FlagValues<F>;
  positionals: string[];
  /** `-h` / `--help` was given. */
  help: boolean;
}

/** The flags every command has besides its own. */
export const COMMON_FLAGS = {
  quiet: switchFlag("print only errors and problems: no notices, progress or final counts", { short: "q" }),
  help: switchFlag("show this help", { short: "h" }),
} satisfies FlagSet;

/**
 * Parses `args` against `flags`: long flags (`--name value`, `--name=value`, `--no-name`),
 * short flags and clusters (`-q`, `-o FILE`, `-qoFILE`), `--` ending the flags. A value that
 * looks like a flag (`--x`, `-x`) is not taken as a value unless written inline (`--step=-x`);
 * negative numbers are values. Throws {@link UsageError} naming the flag and what it expects.
 */
export function parseCommandLine<F extends FlagSet>(args: readonly string[], flags: F): ParsedLine<F> {
  const byShort = new Map<string, string>();
  for (const [name, flag] of Object.entries(flags)) if (flag.short !== undefined) byShort.set(flag.short, name);
  const given = new Map<string, FlagOccurrence[]>();
  const add = (name: string, occurrence: FlagOccurrence): void => {
    const list = given.get(name);
    if (list === undefined) given.set(name, [occurrence]);
    else list.push(occurrence);
  };
  const positionals: string[] = [];
  const looksLikeFlag = (arg: string | undefined): boolean =>
    arg !== undefined && arg.length > 1 && arg.startsWith("-") && !/^-\d|^-\.\d/.test(arg);

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const written = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      let name = written;
      let on = true;
      if (!Object.hasOwn(flags, name) && name.startsWith("no-") && flags[name.slice(3)]?.negatable === true) {
        name = name.slice(3);
        on = false;
      }
      const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
      if (flag === undefined) {
        const base = written.startsWith("no-") && Object.hasOwn(flags, written.slice(3)) ? written.slice(3) : null;
        throw new UsageError(base !== null ? `unknown flag --${written} (--${base} has no --no- form)` : unknownFlag(`--${written}`, flags));
      }
      if (!flag.takesValue || !on) {
        if (inline !== undefined) throw new UsageError(`--${written} takes no value; received ${JSON.stringify(inline)}`);
        add(name, { on });
      } else if (inline !== undefined) {
        add(name, { text: inline });
      } else if (i + 1 < args.length && !looksLikeFlag(args[i + 1])) {
        add(name, { text: args[++i] as string });
      } else {
        add(name, { on: true });
      }
      continue;
    }
    if (looksLikeFlag(arg)) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const name = byShort.get(letter);
        const flag = name === undefined ? undefined : flags[name];
        if (name === undefined || flag === undefined) throw new UsageError(unknownFlag(`-${letter}`, flags));
        if (!flag.takesValue) {
          add(name, { on: true });
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest !== "") add(name, { text: rest.startsWith("=") ? rest.slice(1) : rest });
        else if (i + 1 < args.length && !looksLikeFlag(args[i + 1])) add(name, { text: args[++i] as string });
        else add(name, { on: true });
        break;
      }
      continue;
    }
    positionals.push(arg);
  }

  const help = given.has("help");
  const values: Record<string, unknown> = {};
  // With --help nothing else is checked: help is always reachable.
  for (const [name, flag] of Object.entries(flags)) values[name] = help ? undefined : flag.read(given.get(name) ?? [], name);
  return { flags: values as FlagValues<F>, positionals, help };
}

/** "unknown flag --x", with the closest real flag when one is near. */
function unknownFlag(written: string, flags: FlagSet): string {
  const names = Object.entries(flags).flatMap(([name, flag]) => [
    `--${name}`,
    ...(flag.negatable === true ? [`--no-${name}`] : []),
    ...(flag.short !== undefined ? [`-${flag.short}`] : []),
  ]);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const d = editDistance(written, name);
    if (d < bestDistance) (best = name), (bestDistance = d);
  }
  const near = written.length > 2 && best !== null && bestDistance <= Math.max(1, Math.floor(written.length / 4));
  return near ? `unknown flag ${written}; did you mean ${best}?` : `unknown flag ${written}`;
}

/**
 * Edit distance counting a swap of neighbours as one edit (`--setp` is one from `--step`);
 * flag names are short, so the quadratic table is fine.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
