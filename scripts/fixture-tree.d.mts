/** Options of {@link generateLogTree}. */
export interface FixtureOptions {
  /** Training steps of the main experiment. @default 12 */
  steps?: number;
  /** Task instances used, at most 6. @default 6 */
  instances?: number;
  /** Name of the main experiment; a second one, `<name>-baseline`, is written too. @default "grpo-swe-32b" */
  experiment?: string;
  /** Seed of everything random in the tree. @default 42 */
  seed?: number;
  /** Simulated start time of the first session. @default "2026-03-02T09:00:00Z" */
  start?: string;
  /** Write a session that ended with an error. @default true */
  errored?: boolean;
  /** Write a session whose prompt, response and output hold HTML and scripts. @default true */
  xss?: boolean;
  /** Write a session with no summary line. @default true */
  unfinished?: boolean;
  /** Write the `<name>-baseline` experiment. @default true */
  baseline?: boolean;
}

/** One session the generator wrote. */
export interface FixtureSession {
  path: string;
  experiment: string;
  step: number;
  instanceId: string;
}

/** What {@link generateLogTree} wrote. */
export interface FixtureTree {
  logDir: string;
  experiment: string;
  sessions: FixtureSession[];
}

/** A task instance of the fixture tree. */
export interface FixtureInstance {
  id: string;
  /** The one-line final answer of a successful rollout. */
  answer: string;
  /** An excerpt of the file with the bug. */
  source: string;
  issue: string;
  file: string;
  bad: string;
  good: string;
  test: string;
}

export const FIXTURE_INSTANCES: readonly FixtureInstance[];
export const XSS_RESPONSE: string;
export function generateLogTree(logDir: string, options?: FixtureOptions): Promise<FixtureTree>;
/** A small seeded random number generator. */
export function mulberry32(seed: number): () => number;
