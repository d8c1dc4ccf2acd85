/** `trajlog stats <dir>`: per training step, sessions, outcomes, rewards, iterations, time, tokens. */
import { readSessions, sessionState, type TrajectoryRecord } from "../../reader.js";
import type { Command } from "../command.js";
import { oneDir } from "../positional.js";
import { cell, formatTable } from "../table.js";

/** The figures of one training step of one experiment. */
export interface StepStats {
  experiment: string;
  training_step: number;
  sessions: number;
  completed: number;
  errored: number;
  incomplete: number;
  /** Over sessions that have a reward; null when none has. */
  reward_mean: number | null;
  reward_min: number | null;
  reward_max: number | null;
  iterations_mean: number;
  /** Seconds, over iterations that have an `iteration_time`; null when none has. */
  iteration_time_mean: number | null;
  /** Root-call usage plus sub-model calls. */
  input_tokens: number;
  output_tokens: number;
}

class StepAccumulator {
  readonly stats: StepStats;
  #rewardSum = 0;
  #rewards = 0;
  #iterations = 0;
  #timeSum = 0;
  #timed = 0;

  constructor(experiment: string, step: number) {
    this.stats = {
      experiment,
      training_step: step,
      sessions: 0,
      completed: 0,
      errored: 0,
      incomplete: 0,
      reward_mean: null,
      reward_min: null,
      reward_max: null,
      iterations_mean: 0,
      iteration_time_mean: null,
      input_tokens: 0,
      output_tokens: 0,
    };
  }

  add(record: TrajectoryRecord): void {
    const s = this.stats;
    s.sessions++;
    s[sessionState(record)]++;
    const reward = record.summary?.reward;
    if (typeof reward === "number") {
      this.#rewardSum += reward;
      this.#rewards++;
      s.reward_min = s.reward_min === null ? reward : Math.min(s.reward_min, reward);
      s.reward_max = s.reward_max === null ? reward : Math.max(s.reward_max, reward);
    }
    for (const iteration of record.iterations) {
      this.#iterations++;
      if (iteration.iteration_time !== null) (this.#timeSum += iteration.iteration_time), this.#timed++;
      s.input_tokens += iteration.usage?.prompt_tokens ?? 0;
      s.output_tokens += iteration.usage?.completion_tokens ?? 0;
      for (const block of iteration.code_blocks) {
        for (const call of block.result.rlm_calls) {
          s.input_tokens += call.prompt_tokens;
          s.output_tokens += call.completion_tokens;
        }
      }
    }
  }

  done(): StepStats {
    const s = this.stats;
    s.reward_mean = this.#rewards > 0 ? this.#rewardSum / this.#rewards : null;
    s.iterations_mean = s.sessions > 0 ? this.#iterations / s.sessions : 0;
    s.iteration_time_mean = this.#timed > 0 ? this.#timeSum / this.#timed : null;
    return s;
  }
}

/** Per-step figures of every session under `dir`, in experiment and step order. */
export async function collectStepStats(dir: string): Promise<StepStats[]> {
  const out: StepStats[] = [];
  let current: StepAccumulator | null = null;
  for await (const record of readSessions(dir)) {
    const experiment = record.ref?.experiment ?? "";
    const step = record.ref?.trainingStep ?? 0;
    if (current === null || current.stats.experiment !== experiment || current.stats.training_step !== step) {
      if (current !== null) out.push(current.done());
      current = new StepAccumulator(experiment, step);
    }
    current.add(record);
  }
  if (current !== null) out.push(current.done());
  return out;
}

/** The `stats` command. */
export const command: Command = {
  summary: "per training step: sessions, completed, reward mean/min/max, iterations, time, tokens",
  help: `Usage: trajlog stats <dir> [--json]

Figures per training step of the sessions under <dir> (a log directory, one experiment, or
one step_N folder): sessions, completed / errored / incomplete, mean, min and max reward,
mean iterations per session, mean iteration time (seconds), input and output tokens (root
calls and sub-model calls).

Options:
  --json      a JSON array of per-step objects instead of the table
  -h, --help  show this help`,
  options: { json: { type: "boolean" } },
  async run({ values, positionals }, io) {
    const dir = oneDir(positionals, "stats");
    const steps = await collectStepStats(dir);
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(steps, null, 2)}\n`);
      return 0;
    }
    if (steps.length === 0) {
      io.stderr.write(`No sessions under ${dir}\n`);
      return 0;
    }
    const lines = formatTable(
      ["EXPERIMENT", "STEP", "SESSIONS", "COMPLETED", "ERRORED", "INCOMPLETE", "REWARD MEAN", "MIN", "MAX", "ITERS MEAN", "ITER TIME (s)", "TOKENS IN", "TOKENS OUT"],
      steps.map((s) => [
        s.experiment,
        String(s.training_step),
        String(s.sessions),
        String(s.completed),
        String(s.errored),
        String(s.incomplete),
        cell(s.reward_mean),
        cell(s.reward_min),
        cell(s.reward_max),
        cell(s.iterations_mean, 2),
        cell(s.iteration_time_mean),
        String(s.input_tokens),
        String(s.output_tokens),
      ]),
      new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    );
    for (const line of lines) io.stdout.write(`${line}\n`);
    return 0;
  },
};
