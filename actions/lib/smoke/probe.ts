// Runs one smoke check against a URL until it passes or its retries run out.
import type { Log } from '../action/core';
import { formatDuration } from '../action/duration';
import { networkCode, safeAddress, withoutCredentials } from '../system/network-error';
import { backoffDelay, sleep } from '../system/retry';
import { evaluate, type Answer, type Check } from './checks';

export interface CheckResult {
  check: Check;
  passed: boolean;
  status?: number;
  ms?: number;
  attempts: number;
  reason?: string;
}

export interface ProbeOptions {
  retries: number;
  delayMs: number;
  timeoutMs: number;
  headers: Record<string, string>;
}

/** Runs one check until it passes or the retries run out (exponential backoff with jitter, capped). */
export async function runCheck(log: Log, base: string, check: Check, o: ProbeOptions): Promise<CheckResult> {
  let last: CheckResult = { check, passed: false, attempts: 0, reason: 'not run' };
  for (let attempt = 1; attempt <= o.retries + 1; attempt += 1) {
    const answer = await fetchAnswer(`${base}${check.path}`, check.method, o.timeoutMs, o.headers);
    const reason = 'error' in answer ? answer.error : evaluate(check, answer);
    last = {
      check,
      passed: !reason,
      attempts: attempt,
      ...('error' in answer ? {} : { status: answer.status, ms: answer.ms }),
      ...(reason ? { reason } : {}),
    };
    if (!reason || attempt > o.retries) return last;
    const delay = backoffDelay(attempt, {
      attempts: o.retries + 1,
      delayMs: o.delayMs,
      maxDelayMs: Math.max(o.delayMs, 30_000),
    });
    log.info(`  ${check.name}: ${reason}; retry ${attempt}/${o.retries} in ${formatDuration(delay)}`);
    await sleep(delay);
  }
  return last;
}

async function fetchAnswer(
  url: string,
  method: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<Answer | { error: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = method === 'HEAD' ? '' : await response.text();
    return { status: response.status, body, ms: performance.now() - started };
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TimeoutError') return { error: `no answer within ${formatDuration(timeoutMs)}` };
    const code = networkCode(error);
    return {
      error: code
        ? `could not reach ${safeAddress(url)} (${code}): check \`url\` and that the edge serves it from the runner`
        : `request failed: ${withoutCredentials((e.cause as { code?: string } | undefined)?.code ?? e.message)}`,
    };
  }
}
