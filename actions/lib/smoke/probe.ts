// Runs one smoke check against a URL until it passes or its retries run out. Requests go out with
// node:http(s) rather than fetch: an extra trusted CA (a staging CA) and a fixed address to connect
// to are per-request options there; redirects are never followed and no body is decompressed.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
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
  /** Extra trusted CA certificates (PEM), added to the system's (`ca-file`). */
  ca?: string;
  /** Connect to this IP address instead of resolving the URL's host (TLS and Host keep the name). */
  connectAddress?: string;
}

/** Runs one check until it passes or the retries run out (exponential backoff with jitter, capped). */
export async function runCheck(log: Log, base: string, check: Check, o: ProbeOptions): Promise<CheckResult> {
  let last: CheckResult = { check, passed: false, attempts: 0, reason: 'not run' };
  for (let attempt = 1; attempt <= o.retries + 1; attempt += 1) {
    const answer = await fetchAnswer(`${base}${check.path}`, check.method, o);
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
  o: ProbeOptions,
): Promise<Answer | { error: string }> {
  const started = performance.now();
  try {
    const { status, body } = await send(new URL(url), method, o);
    return { status, body, ms: performance.now() - started };
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.name === 'TimeoutError') return { error: `no answer within ${formatDuration(o.timeoutMs)}` };
    const site = safeAddress(url);
    if (e.code && TLS_TRUST_CODES.has(e.code))
      return {
        error: `${site}: the certificate is not trusted (${e.code}): give the CA that issued it as \`ca-file\``,
      };
    if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return { error: `${site}: the certificate does not cover ${new URL(url).hostname} (${e.code})` };
    const code = networkCode(error);
    return {
      error: code
        ? `could not reach ${site}${o.connectAddress ? ` at ${o.connectAddress}` : ''} (${code}): check \`url\` and that the edge serves it from the runner`
        : `request failed: ${withoutCredentials(e.code ?? e.message)}`,
    };
  }
}

/** Verification failures of the certificate chain (the name check has its own message). */
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** One request: the status and the whole body, within `timeoutMs` (connection to last byte). */
function send(url: URL, method: string, o: ProbeOptions): Promise<{ status: number; body: string }> {
  const secure = url.protocol === 'https:';
  const options: RequestOptions & { ca?: string[] } = {
    method,
    headers: o.headers,
    agent: false,
    ...(o.connectAddress ? { lookup: fixedLookup(o.connectAddress) } : {}),
    ...(secure && o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
      o.timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end();
  });
}

/** A DNS lookup that always answers `address` (both of Node's callback shapes). */
function fixedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
