/** Options of {@link writeScaleTree}. */
export interface ScaleOptions {
  /** @default "scale" */
  experiment?: string;
  /** Training steps. @default 10 */
  steps?: number;
  /** Task instances per step. @default 4 */
  instances?: number;
  /** Rollouts of each instance per step (the group size). @default 4 */
  rollouts?: number;
  /** Iteration lines per session. @default 2 */
  iterations?: number;
  /** Every n-th session is forced; 0: none. @default 0 */
  forcedEvery?: number;
  /** Seed of everything random. @default 7 */
  seed?: number;
  /** Time of the first session. @default "2026-03-02T09:00:00Z" */
  start?: string;
}

/** What {@link writeScaleTree} wrote. */
export interface ScaleTree {
  logDir: string;
  experiment: string;
  sessions: number;
}

export function writeScaleTree(logDir: string, options?: ScaleOptions): Promise<ScaleTree>;
