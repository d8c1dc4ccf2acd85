/**
 * Last-chance flush when the process ends: normal end, `process.exit()`, an uncaught
 * exception, or a catchable signal. `signal-exit` re-raises the signal afterwards when the
 * application has no handler of its own, so the process still dies the way it would have.
 */
import { onExit } from "signal-exit";

/** Something holding data that must reach the disk before the process ends. */
export interface SyncFlushable {
  flushSync(): void;
}

const registered = new Set<SyncFlushable>();
let unhook: (() => void) | null = null;

function flushAll(): void {
  for (const target of registered) {
    try {
      target.flushSync();
    } catch {
      // One failing writer must not keep the others from flushing.
    }
  }
}

/** Flushes `target` synchronously on process exit until {@link untrackExit} is called. */
export function trackExit(target: SyncFlushable): void {
  registered.add(target);
  unhook ??= onExit(flushAll);
}

/** Stops flushing `target` on exit; the hook is removed once nothing is tracked. */
export function untrackExit(target: SyncFlushable): void {
  registered.delete(target);
  if (registered.size === 0 && unhook !== null) {
    unhook();
    unhook = null;
  }
}
