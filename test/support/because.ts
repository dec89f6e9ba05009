/**
 * Runs an assertion and, when it fails, puts a message in front of its error (what vitest's
 * `expect(value, message)` did; jest has no such argument).
 */
export function because<T>(message: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof Error) {
      const original = e.message;
      e.message = `${message}\n${original}`;
      if (e.stack?.includes(original)) e.stack = e.stack.replace(original, e.message);
    }
    throw e;
  }
}
