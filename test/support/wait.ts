/** Polling helpers: never sleep-and-assert; retry until the expectation holds or fail clearly. */

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Re-runs `check` (which may throw, e.g. a jest `expect`) until it passes; after `timeoutMs`
 * rethrows the last failure, prefixed with `label`. The default is generous: on a 2-core machine
 * running several test files at once the projection can trail its appends by seconds, and a
 * passing check returns at once anyway.
 */
export const eventually = async <T>(
  label: string,
  check: () => T | Promise<T>,
  { timeoutMs = 8000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await delay(intervalMs);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${label}\nLast failure: ${reason}`);
};
