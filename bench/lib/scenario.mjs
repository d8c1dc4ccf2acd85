/**
 * Runs one scenario in this (fresh) process and prints its result as one JSON line on
 * stdout: `node --expose-gc bench/lib/scenario.mjs <name> '<options as JSON>'`.
 * A fresh process per scenario keeps one scenario's heap, descriptors and peak RSS out of
 * the next one's figures.
 */
const [name, options = "{}"] = process.argv.slice(2);
const SCENARIOS = new Set(["throughput", "hot-path", "sampled-out", "many-sessions", "disk-rate", "stalled-disk"]);
if (!SCENARIOS.has(name)) {
  process.stderr.write(`unknown scenario ${JSON.stringify(name)}; one of ${[...SCENARIOS].join(", ")}\n`);
  process.exit(2);
}
const { run } = await import(`./${name}.mjs`);
const result = await run(JSON.parse(options));
process.stdout.write(`${JSON.stringify(result)}\n`);
// Anything a contender left behind (a timer, a held write) must not keep the bench waiting.
process.exit(0);
