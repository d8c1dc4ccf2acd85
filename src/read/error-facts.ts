/**
 * A summary's `error` as facts to show: the error's name, its message and its stack, each on
 * its own. The one place that reads an error value, for the viewer's pages, its tables and the
 * export formats' one-line error text.
 */

/** An error, taken apart. */
export interface ErrorFacts {
  /** `name` of an Error (`TypeError`, `SandboxTimeout`); null for a value that is not one. */
  name: string | null;
  /** The message; for a value that is neither a string nor an Error, its JSON. */
  message: string;
  /** The stack without its first line(s) when they only repeat name and message; null when none. */
  stack: string | null;
  /** `Name: message`, the name said once even when the message starts with it. */
  heading: string;
}

/** The facts of a summary's `error` value; null when there is no error. */
export function errorFacts(error: unknown): ErrorFacts | null {
  if (error === undefined || error === null) return null;
  if (typeof error === "string") return withHeading({ name: null, message: error, stack: null });
  if (typeof error === "object" && !Array.isArray(error)) {
    const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
    if (typeof message === "string") {
      const named = typeof name === "string" && name !== "" ? name : null;
      return withHeading({ name: named, message, stack: typeof stack === "string" ? stackBody(stack, named, message) : null });
    }
  }
  return withHeading({ name: null, message: JSON.stringify(error), stack: null });
}

function withHeading(facts: Omit<ErrorFacts, "heading">): ErrorFacts {
  return { ...facts, heading: errorHeading(facts) };
}

/** `Name: message` on one line, without saying the name twice when the message starts with it. */
export function errorHeading(facts: Pick<ErrorFacts, "name" | "message">): string {
  if (facts.name === null || facts.message.startsWith(`${facts.name}:`)) return facts.message;
  return `${facts.name}: ${facts.message}`;
}

/** V8 stacks start with `Name: message`: drop that head, which the heading already shows. */
function stackBody(stack: string, name: string | null, message: string): string | null {
  for (const head of [name === null ? message : `${name}: ${message}`, message]) {
    if (head !== "" && stack.startsWith(head)) {
      const rest = stack.slice(head.length).replace(/^\r?\n/, "");
      return rest.trim() === "" ? null : rest;
    }
  }
  return stack.trim() === "" ? null : stack;
}
