import { classifyFailure, isRetryable, scrubCliOutput, type CliFailure } from './cli-output';
import type { CliStep } from './plan';
import type { Core } from '../action/core';
import { groupUntrusted } from '../action/untrusted-output';
import { runCommand } from '../system/exec';
import { backoffDelay, sleep } from '../system/retry';

export interface RunContext {
  env: Record<string, string>;
  /** A private empty directory: sentry-cli reads `.sentryclirc` and `.env` from its working directory. */
  cwd: string;
  secrets: string[];
  /** Sentry's URL and org, for messages. */
  url: string;
  org: string;
  project: string;
}

/** Attempts of one step when the network fails (sentry-cli itself retries only 5xx answers). */
export const NETWORK_ATTEMPTS = 3;
const RETRY = { attempts: NETWORK_ATTEMPTS, delayMs: 2_000, maxDelayMs: 10_000, jitter: 0.1 };
const STEP_TIMEOUT_MS = 20 * 60_000;

/**
 * Runs one sentry-cli step, its output scrubbed of secrets line by line before it reaches the
 * log; retries network failures the step allows; throws an error that says what to do.
 * Returns the scrubbed stdout.
 */
export async function runStep(
  core: Pick<Core, 'info' | 'warning' | 'group'>,
  step: CliStep,
  ctx: RunContext,
) {
  for (let attempt = 1; ; attempt += 1) {
    const title = attempt === 1 ? step.title : `${step.title} (attempt ${attempt})`;
    const result = await groupUntrusted(core, title, (print) =>
      runCommand(step.argv, {
        env: ctx.env,
        cwd: ctx.cwd,
        timeoutMs: STEP_TIMEOUT_MS,
        allowFailure: true,
        secrets: ctx.secrets,
        onLine: (line) => print(scrubCliOutput(line, ctx.secrets)),
      }),
    );
    const stdout = scrubCliOutput(result.stdout, ctx.secrets);
    if (result.code === 0) return stdout;
    const failure = classifyFailure(scrubCliOutput(`${result.stdout}\n${result.stderr}`, ctx.secrets));
    if (attempt >= NETWORK_ATTEMPTS || !isRetryable(failure, step.retry))
      throw new Error(explain(step, failure, ctx, attempt));
    const delay = backoffDelay(attempt, RETRY);
    core.warning(
      `${step.title}: network failure (${failure.detail.split('\n').pop()}); retrying in ${delay} ms.`,
    );
    await sleep(delay);
  }
}

function explain(step: CliStep, failure: CliFailure, ctx: RunContext, attempts: number): string {
  const where = `Sentry at ${ctx.url}`;
  const detail = `\nsentry-cli said:\n${indent(failure.detail || '(nothing)')}`;
  switch (failure.kind) {
    case 'rejected-token':
      return (
        `${step.title} failed: ${where} rejected the auth token (HTTP 401). The \`auth-token\` secret is wrong, ` +
        `expired or revoked, or belongs to another server: create an organization token for \`${ctx.org}\` ` +
        `in Sentry and store it as the secret.${detail}`
      );
    case 'forbidden':
      return (
        `${step.title} failed: ${where} refused the request (HTTP 403): the token has no access to ` +
        `\`${ctx.org}\`/\`${ctx.project}\` (an organization token, or a user token with project:releases).${detail}`
      );
    case 'not-found':
      return `${step.title} failed: ${where} does not know this organization, project or release: check \`org\` (\`${ctx.org}\`), \`project\` (\`${ctx.project}\`) and \`release\`.${detail}`;
    case 'server':
      return `${step.title} failed: ${where} kept answering HTTP ${failure.status} (sentry-cli retried it); try again later or check the server's status.${detail}`;
    case 'network':
      return `${step.title} failed: could not reach ${where} (${attempts} attempt${attempts === 1 ? '' : 's'}); check \`url\`, DNS and the runner's network or proxy.${detail}`;
    default:
      return `${step.title} failed.${detail}`;
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
