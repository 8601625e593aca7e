/**
 * Retries with capped exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the wait before retry n (1-based) is `random() * min(capMs, baseMs * 2^(n-1))`.
 * Only transient failures are retried (see {@link isTransient}); anything else is thrown at once.
 */

export interface RetryOptions {
  /** Total attempts including the first (≥ 1). Default 6. */
  readonly maxAttempts?: number;
  /** Base delay in ms. Default 100. */
  readonly baseMs?: number;
  /** Upper bound of any single delay in ms. Default 5000. */
  readonly capMs?: number;
  /** Injected for tests: sleep and a [0, 1) random source. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Which errors are retried; default {@link isTransient}. */
  readonly retryable?: (error: unknown) => boolean;
  /** Called before each wait. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The full-jitter delay before retry `attempt` (1 = first retry): uniform in [0, min(cap, base·2^(attempt-1))). */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "TooManyUpdates",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);
const TIMEOUTS = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ETIMEDOUT",
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
]);

/** Throttling (incl. HTTP 429), server errors (5xx) and timeouts / connection resets: worth another try. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    $fault?: string;
  };
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if (e.$fault === "server" || e.$retryable) return true;
  return [e.name, e.code].some((n) => n !== undefined && (THROTTLING.has(n) || TIMEOUTS.has(n)));
}

/** Runs `fn` until it succeeds, a non-retryable error occurs, or `maxAttempts` are used (then the last error is thrown). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 6);
  const baseMs = options.baseMs ?? 100;
  const capMs = options.capMs ?? 5000;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !retryable(error)) throw error;
      const delayMs = backoffDelay(attempt, baseMs, capMs, random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
