// Checks from the runner that a host's edge serves the configuration just deployed: HTTPS with a
// certificate that verifies for every served name (the system's CAs plus an optional extra CA, e.g.
// a staging CA), and the edge's security headers with the values rendered into this configuration.
// The response status is the apps' business (the deploy's health gate and smoke tests): before an
// app's first release its upstream answers 502, and the edge is still right.
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { sleep } from '../system/retry';
import type { ProxyParams } from './params';

export interface EdgeProbe {
  /** Where to connect (the host's address); `names` go in SNI and Host. */
  address: string;
  port: number;
  names: string[];
  path: string;
  /** Extra trusted CA certificates (PEM), added to the system's. */
  ca?: string;
  expected: Record<string, string>;
}

/** Headers every HTTPS response of the rendered template carries, with their values. */
export function expectedHeaders(
  p: Pick<ProxyParams, 'hsts' | 'csp' | 'permissionsPolicy'>,
): Record<string, string> {
  return {
    'strict-transport-security': p.hsts,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'content-security-policy': p.csp,
    'permissions-policy': p.permissionsPolicy,
  };
}

/** What is wrong with one response's headers (empty: all present with the expected values). */
export function headerProblems(
  headers: Record<string, string | string[] | undefined>,
  expected: Record<string, string>,
): string[] {
  const problems = Object.entries(expected).flatMap(([name, want]) => {
    const got = headers[name];
    if (got === undefined) return [`${name} is missing`];
    if (Array.isArray(got)) return [`${name} is sent ${got.length} times`];
    return got === want ? [] : [`${name} is not the deployed value`];
  });
  if (!headers['x-request-id']) problems.push('x-request-id is missing');
  return problems;
}

/** One HTTPS GET for one name: the status, or a rejection that says why (TLS, timeout, refused). */
export function probeOnce(
  probe: EdgeProbe,
  name: string,
  timeoutMs = 10_000,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const host = probe.port === 443 ? name : `${name}:${probe.port}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: probe.address,
        port: probe.port,
        path: probe.path,
        servername: name,
        headers: { host, 'user-agent': 'contextai-edge-deploy' },
        ...(probe.ca ? { ca: [...rootCertificates, probe.ca] } : {}),
        rejectUnauthorized: true,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits until every name answers with the expected headers on `stableRounds` rounds in a row: a
 * reload replaces nginx's workers gradually, so one good answer may still come from an old worker.
 * Returns the statuses seen last; throws with the last problems otherwise.
 */
export async function waitForEdge(
  probe: EdgeProbe,
  { attempts = 20, delayMs = 500, stableRounds = 3, stableDelayMs = 200 } = {},
): Promise<Record<string, number>> {
  let last = '';
  let good = 0;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const statuses: Record<string, number> = {};
    const problems: string[] = [];
    for (const name of probe.names) {
      try {
        const reply = await probeOnce(probe, name);
        statuses[name] = reply.status;
        problems.push(...headerProblems(reply.headers, probe.expected).map((p) => `${name}: ${p}`));
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
      }
    }
    good = problems.length === 0 ? good + 1 : 0;
    if (good >= stableRounds) return statuses;
    if (problems.length > 0) last = problems.join('; ');
    if (attempt < attempts) await sleep(good > 0 ? stableDelayMs : delayMs);
  }
  throw new Error(
    `https://${probe.address}:${probe.port}${probe.path} does not serve the new configuration steadily (${last || 'too few rounds'})`,
  );
}
