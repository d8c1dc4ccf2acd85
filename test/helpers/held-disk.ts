/** A disk whose write acknowledgements a test holds back and lets go: a stalled disk, on demand. */
import fs from "node:fs";
import { vi, type MockInstance } from "vitest";

/** Controls over the held-back `fs.writev` acknowledgements. Restore with `vi.restoreAllMocks()`. */
export interface HeldDisk {
  /** Acknowledgements not yet delivered, oldest first. */
  readonly held: Array<() => void>;
  /** The spy on `fs.writev` (the writer's gathering write): its calls are the writes the writer issued. */
  readonly writes: MockInstance<typeof fs.writev>;
  /** Delivers every acknowledgement held so far. */
  releaseAll(): void;
  /** Waits until at least one acknowledgement is held. */
  untilHeld(): Promise<void>;
}

/** Every `fs.writev` really writes, but its callback waits until the test lets it go. */
export function holdDisk(): HeldDisk {
  const held: Array<() => void> = [];
  const realWrite = fs.writev;
  const writes = vi.spyOn(fs, "writev").mockImplementation(((...args: unknown[]) => {
    const callback = args.pop() as (...results: unknown[]) => void;
    (realWrite as (...a: unknown[]) => void)(...args, (...results: unknown[]) => held.push(() => callback(...results)));
  }) as typeof fs.writev);
  return {
    held,
    writes,
    releaseAll: () => held.splice(0).forEach((release) => release()),
    untilHeld: async () => {
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
}
