/** A bad flag, flag value, combination or argument: `run` prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
