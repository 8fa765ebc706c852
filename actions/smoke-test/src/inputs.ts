import { isIP } from 'node:net';
import type { Core } from '../../lib/action/core';
import { Inputs, RULES } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { maskSecret } from '../../lib/action/secrets';
import {
  parseChecks,
  parseHeaders,
  versionCheck,
  withLatencyBudget,
  type Check,
} from '../../lib/smoke/checks';
import type { ProbeOptions } from '../../lib/smoke/probe';
import { readCaFile } from '../../lib/tls/ca-file';

export interface SmokeInputs extends ProbeOptions {
  /** The base URL, without a trailing `/`. */
  url: string;
  /** The checks to run: the `checks` list and the version check, each with a latency budget. */
  checks: Check[];
}

export function readInputs(
  core: Core,
  workspace = process.env.GITHUB_WORKSPACE ?? process.cwd(),
): SmokeInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const url = inputs.required('url', {
    pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
    expected: 'an http(s) base URL without query',
  });
  const parsed = parseChecks(inputs.raw('checks'));
  for (const problem of parsed.problems) inputs.problem('checks', problem);
  const expectVersion = inputs.optional('expect-version', RULES.version);
  const versionPath = inputs.required('version-path', { pattern: /^\/[^\s]*$/, expected: 'a path' });
  const maxMs = inputs.integer('max-ms', { min: 0, max: 600_000 });
  const retries = inputs.integer('retries', { min: 0, max: 100 });
  const delayMs = inputs.duration('retry-delay', { maxMs: 600_000 });
  const timeoutMs = inputs.duration('timeout', { minMs: 100, maxMs: 300_000 });
  const headerParse = parseHeaders(inputs.secret('headers') ?? '');
  for (const problem of headerParse.problems) inputs.problem('headers', problem);
  for (const value of Object.values(headerParse.headers)) maskSecret(core, value);
  const connectAddress = inputs.raw('connect-address');
  if (connectAddress && !isIP(connectAddress))
    inputs.problem('connect-address', 'must be an IPv4 or IPv6 address');
  const ca = readCaFile(inputs, workspace);
  if (parsed.checks.length === 0 && !expectVersion && parsed.problems.length === 0)
    inputs.problem('checks', 'is empty and there is no `expect-version`: nothing would be checked');
  inputs.done();

  const checks = withLatencyBudget(
    [...parsed.checks, ...(expectVersion ? [versionCheck(versionPath, expectVersion)] : [])],
    maxMs,
  );
  return {
    url: url.replace(/\/+$/, ''),
    checks,
    retries,
    delayMs,
    timeoutMs,
    headers: headerParse.headers,
    ...(ca ? { ca } : {}),
    ...(connectAddress ? { connectAddress } : {}),
  };
}
