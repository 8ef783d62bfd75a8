// Registry objects nested too deeply for the recursive code that reads them (JSON.stringify in hashing, sortKeys,
// the template check and compiler, yaml's toJS) overflow the stack: a RangeError, which no caller classifies (the
// SDK would not keep serving the last good version). Where an object is decoded, hashed or materialized, it is
// refused like any other malformed object instead.
import { InvalidBundleError } from "../errors.ts";

/** The engine's stack overflow: "Maximum call stack size exceeded" (V8), "too much recursion" (SpiderMonkey). */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack|too much recursion/i.test(error.message);
}

/**
 * A RangeError thrown reading the object at `key` (the stack overflowed on a deep object, or a value outgrew what
 * the engine holds) as an InvalidBundleError naming `key`, and `what` (`prompt "x"`) when given; any other error
 * as it is.
 */
export function deepObjectError(key: string, error: unknown, what?: string): unknown {
  if (!(error instanceof RangeError)) return error;
  const problem = isStackOverflow(error) ? "nested too deeply to be read (the stack overflowed)" : `cannot be read (${error.message})`;
  return new InvalidBundleError(key, what === undefined ? problem : `${what}: ${problem}`);
}

/** `read()`, a RangeError in it refused as deepObjectError says. */
export function refusingDeep<T>(key: string, read: () => T, what?: string): T {
  try {
    return read();
  } catch (error) {
    throw deepObjectError(key, error, what);
  }
}
