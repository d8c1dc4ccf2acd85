/** The command line of an extra bench script: `--smoke`, `--json` and numeric `--name N` flags. */

/** Parses `argv` (default: this process's arguments after the script). */
export function scriptArgs(argv = process.argv.slice(2)) {
  /** The number after `--name`, or `fallback` when the flag is absent. */
  const flag = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? fallback : Number(argv[i + 1]);
  };
  return { smoke: argv.includes("--smoke"), json: argv.includes("--json"), flag };
}
