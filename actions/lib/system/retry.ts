export interface RetryOptions {
  /** Total attempts, including the first. */
  attempts: number;
  /** Delay before the first retry. */
  delayMs: number;
  /** Upper bound for one delay. */
  maxDelayMs?: number;
  /** Growth factor between delays. */
  factor?: number;
  /** Adds up to this fraction of random delay, so many clients do not retry in step. */
  jitter?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delay before retry number `attempt` (1-based), exponential and capped. */
export function backoffDelay(attempt: number, options: RetryOptions, random = Math.random): number {
  const { delayMs, maxDelayMs = 30_000, factor = 2, jitter = 0.2 } = options;
  const base = Math.min(maxDelayMs, delayMs * factor ** (attempt - 1));
  return Math.round(Math.min(maxDelayMs, base * (1 + jitter * random())));
}

/** Calls `fn` until it resolves or the attempts run out; rethrows the last error. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      lastError = error;
      if (attempt === options.attempts) break;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
  throw lastError;
}
