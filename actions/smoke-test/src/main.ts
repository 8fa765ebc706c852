import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../common/src/core';
import { formatDuration } from '../../common/src/duration';
import { Inputs } from '../../common/src/inputs';
import { backoffDelay, sleep } from '../../common/src/retry';
import { maskSecret } from '../../common/src/secrets';
import { table, writeSummary } from '../../common/src/summary';
import { evaluate, parseChecks, parseHeaders, versionCheck, type Answer, type Check } from './checks';

interface Result {
  check: Check;
  passed: boolean;
  status?: number;
  ms?: number;
  attempts: number;
  reason?: string;
}

export async function main(core: Core): Promise<void> {
  const inputs = new Inputs(core);
  const url = inputs.required('url', {
    pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
    expected: 'an http(s) base URL without query',
  });
  const parsed = parseChecks(inputs.raw('checks'));
  for (const problem of parsed.problems) inputs.problem('checks', problem);
  const expectVersion = inputs.optional('expect-version', undefined, {
    pattern: /^[A-Za-z0-9._-]{1,64}$/,
    expected: 'a version',
  });
  const versionPath =
    inputs.optional('version-path', '/version', { pattern: /^\/[^\s]*$/, expected: 'a path' }) ?? '/version';
  const retries = inputs.integer('retries', 10, { min: 0, max: 100 });
  const delayMs = inputs.duration('retry-delay', '3s', { maxMs: 600_000 });
  const timeoutMs = inputs.duration('timeout', '10s', { minMs: 100, maxMs: 300_000 });
  const headerText = inputs.secret('headers') ?? '';
  const headerParse = parseHeaders(headerText);
  for (const problem of headerParse.problems) inputs.problem('headers', problem);
  for (const value of Object.values(headerParse.headers)) maskSecret(core, value);
  inputs.done();

  const checks = [...parsed.checks, ...(expectVersion ? [versionCheck(versionPath, expectVersion)] : [])];
  if (checks.length === 0) checks.push({ name: 'GET /', path: '/', method: 'GET' });
  const base = url.replace(/\/+$/, '');
  const results: Result[] = [];
  for (const check of checks) {
    const result = await runCheck(core, base, check, {
      retries,
      delayMs,
      timeoutMs,
      headers: headerParse.headers,
    });
    results.push(result);
    core.info(
      `${result.passed ? '✔' : '✖'} ${check.name}: ${result.reason ?? `status ${result.status}`} (${formatDuration(result.ms ?? 0)}, ${result.attempts} attempt(s))`,
    );
  }

  const failed = results.filter((r) => !r.passed);
  const reportPath = join(process.env.RUNNER_TEMP ?? '.', `smoke-test-report-${Date.now()}.json`);
  writeFileSync(
    reportPath,
    `${JSON.stringify({ url: base, passed: failed.length === 0, results: results.map(reportRow) }, null, 2)}\n`,
  );
  core.setOutput('passed', String(failed.length === 0));
  core.setOutput('failed-checks', failed.map((r) => r.check.name).join(','));
  core.setOutput('report', reportPath);
  await writeSummary(core, (summary) =>
    summary.addHeading(`Smoke test of ${base}`, 3).addTable(
      table(
        ['Check', 'Status', 'Latency', 'Result'],
        results.map((r) => [
          r.check.name,
          r.status ?? '—',
          formatDuration(r.ms ?? 0),
          r.passed ? '✅' : `❌ ${r.reason}`,
        ]),
      ),
    ),
  );
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${results.length} smoke check(s) failed on ${base}:\n${failed.map((r) => `- ${r.check.name}: ${r.reason}`).join('\n')}`,
    );
  }
}

function reportRow(r: Result) {
  return {
    name: r.check.name,
    method: r.check.method,
    path: r.check.path,
    passed: r.passed,
    status: r.status ?? null,
    ms: r.ms ?? null,
    attempts: r.attempts,
    reason: r.reason ?? null,
  };
}

/** Runs one check until it passes or the retries run out (exponential backoff with jitter, capped). */
async function runCheck(
  core: Core,
  base: string,
  check: Check,
  o: { retries: number; delayMs: number; timeoutMs: number; headers: Record<string, string> },
): Promise<Result> {
  let last: Result = { check, passed: false, attempts: 0, reason: 'not run' };
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
    core.info(`  ${check.name}: ${reason}; retry ${attempt}/${o.retries} in ${formatDuration(delay)}`);
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
    const e = error as Error & { cause?: { code?: string } };
    return {
      error:
        e.name === 'TimeoutError'
          ? `no answer within ${formatDuration(timeoutMs)}`
          : `request failed: ${e.cause?.code ?? e.message}`,
    };
  }
}
