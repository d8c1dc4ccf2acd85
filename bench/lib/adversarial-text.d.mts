/** Types of adversarial-text.mjs, for the tests that import it. */
export interface AdversarialInput {
  /** Names the input in reports. */
  name: string;
  /** True when `build` gives a line's locals rather than a string. */
  locals?: boolean;
  /** The input at `size` UTF-16 units (for locals, about that many characters of JSON). */
  build(size: number): string | Record<string, string>;
}
export const ADVERSARIAL_INPUTS: readonly AdversarialInput[];
export function benignText(size: number): string;
export function iterationLineWith(value: string | Record<string, string>): Record<string, unknown>;
