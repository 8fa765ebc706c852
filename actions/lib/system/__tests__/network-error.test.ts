// A network failure names the service, its address (never credentials) and the next step: the
// helper on Node's own errors, then each client that uses it against a closed port on 127.0.0.1.
import { connect } from 'node:net';
import { utils } from 'ssh2';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/net';
import { postToSlack } from '../../alert/slack';
import { runCheck } from '../../smoke/probe';
import { SshSession } from '../../ssh/session';
import { fetchDirectory } from '../../tls/ari';
import { registryService } from '../../image/image-name';
import { CommandError } from '../command-error';
import {
  explainNetworkError,
  networkCode,
  networkCodeInOutput,
  safeAddress,
  withoutCredentials,
} from '../network-error';

// A port nothing listens on (fetch refuses port 1 itself, as a "bad port", before connecting).
let port = 0;
let CLOSED = '';
beforeAll(async () => {
  port = await freePort();
  CLOSED = `http://127.0.0.1:${port}`;
});
const SECRET = 'pa55-canary';
const service = { name: 'PostgreSQL database "app"', address: '127.0.0.1:1', hint: 'Check the server.' };

/** The error Node itself raises for a connection to a closed port. */
function refusedConnection(): Promise<Error> {
  return new Promise((resolve) => connect(1, '127.0.0.1').on('error', resolve));
}

/** What a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('explainNetworkError', () => {
  it('names the service, address, code and next step, and keeps the original as the cause', async () => {
    const original = await refusedConnection();
    const explained = explainNetworkError(original, service) as Error;
    expect(explained.message).toBe(
      'Could not reach the PostgreSQL database "app" at 127.0.0.1:1 (ECONNREFUSED). Check the server.',
    );
    expect(explained.cause).toBe(original);
    expect(explainNetworkError(explained, { ...service, name: 'other' })).toBe(explained); // once
  });

  it('finds the code in wrapped errors (fetch cause, AggregateError) and in TLS and DNS failures', async () => {
    const fetchError = await failure(fetch(CLOSED));
    expect(networkCode(fetchError)).toBe('ECONNREFUSED');
    const aggregate = new AggregateError(
      [Object.assign(new Error('x'), { code: 'ETIMEDOUT' })],
      'all failed',
    );
    expect(networkCode(aggregate)).toBe('ETIMEDOUT');
    expect(networkCode(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }))).toBe('ENOTFOUND');
    expect(networkCode(Object.assign(new Error('cert'), { code: 'CERT_HAS_EXPIRED' }))).toBe(
      'CERT_HAS_EXPIRED',
    );
    expect(networkCode(new DOMException('timed out', 'TimeoutError'))).toBe('timeout');
  });

  it('leaves other errors alone', () => {
    const other = new Error('permission denied for table x');
    expect(explainNetworkError(other, service)).toBe(other);
  });

  it('strips user and password from addresses', () => {
    expect(safeAddress(`https://user:${SECRET}@s3.example.com:9000/bucket`)).toBe(
      'https://s3.example.com:9000/bucket',
    );
    expect(safeAddress('http://127.0.0.1:1')).toBe('http://127.0.0.1:1');
    expect(withoutCredentials(`cannot use http://u:${SECRET}@h:1/ nor s3://k:${SECRET}@b`)).toBe(
      'cannot use http://h:1/ nor s3://b',
    );
  });
});

describe('Go tools (buildah, podman) report network failures as text', () => {
  it.each([
    ['Error: pushing image: dial tcp 127.0.0.1:5000: connect: connection refused', 'ECONNREFUSED'],
    [
      'pinging container registry reg.example: Get "https://reg.example/v2/": dial tcp: lookup reg.example on 10.0.0.2:53: no such host',
      'ENOTFOUND',
    ],
    ['Get "https://reg.example/v2/": dial tcp 10.1.1.1:443: i/o timeout', 'ETIMEDOUT'],
    [
      'Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client',
      'plain HTTP, not HTTPS',
    ],
    ['tls: failed to verify certificate: x509: certificate signed by unknown authority', 'TLS certificate'],
    [
      'Error: initializing source docker://reg.example/app:1: reading manifest 1: manifest unknown',
      undefined,
    ],
  ])('%s → %s', (output, code) => {
    expect(networkCodeInOutput(output)).toBe(code);
  });

  it('names the registry and where it was reached from, for a failed pull on a host', () => {
    const pull = new CommandError('podman pull failed', {
      command: 'podman pull',
      host: 'app1:22',
      code: 125,
      stderr:
        'Error: initializing source docker://127.0.0.1:5000/ctx/api:1: pinging container registry 127.0.0.1:5000: Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
    });
    const explained = explainNetworkError(
      pull,
      registryService('127.0.0.1:5000/ctx/api:1', 'app1:22'),
    ) as Error;
    expect(explained.message).toMatch(
      /^Could not reach the registry at 127\.0\.0\.1:5000 \(from app1:22\) \(ECONNREFUSED\)\. Check the image name/,
    );
    const refused = new CommandError('podman pull failed', {
      command: 'podman pull',
      code: 125,
      stderr: 'manifest unknown',
    });
    expect(explainNetworkError(refused, registryService('x', 'the runner'))).toBe(refused);
  });
});

describe('each client names its service', () => {
  it('SSH connect: the SSH server and host:port', async () => {
    const keys = utils.generateKeyPairSync('ed25519');
    const error = await failure(
      SshSession.connect({
        target: { host: '127.0.0.1', port: 1 },
        username: 'deploy',
        privateKey: keys.private,
        knownHosts: [],
      }),
    );
    expect(error.name).toBe('SshConnectError');
    expect(error.message).toMatch(
      /^SSH connection to 127\.0\.0\.1:1 failed: Could not reach the SSH server at 127\.0\.0\.1:1 \(ECONNREFUSED\)\. Check that `hosts` names it/,
    );
  });

  it('smoke test: the URL, never its credentials', async () => {
    const log = { info: () => undefined, warning: () => undefined };
    const check = { name: 'home', path: '/', method: 'GET' };
    const result = await runCheck(log, CLOSED, check, {
      retries: 0,
      delayMs: 1,
      timeoutMs: 2_000,
      headers: {},
    });
    expect(result.passed).toBe(false);
    const withPassword = await runCheck(log, `http://smoke:${SECRET}@127.0.0.1:${port}`, check, {
      retries: 0,
      delayMs: 1,
      timeoutMs: 2_000,
      headers: {},
    });
    // The site is named without its user and password.
    expect(withPassword.reason).toMatch(/^could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(withPassword.reason).not.toContain(SECRET);
    expect(result.reason).toBe(
      `could not reach ${CLOSED} (ECONNREFUSED): check \`url\` and that the edge serves it from the runner`,
    );
  });

  it('Slack: the Web API address, never the token', async () => {
    const error = await failure(
      postToSlack(
        { token: `xoxb-${SECRET}`, channel: '#deploys' },
        { text: 'hi' },
        { apiUrl: `${CLOSED}/api/`, retries: 0 },
      ),
    );
    expect(error.message).toMatch(
      new RegExp(
        `^Slack message to #deploys was not sent: Could not reach the Slack Web API at http://127\\.0\\.0\\.1:${port}/api/ \\(ECONNREFUSED\\)\\. Check`,
      ),
    );
    expect(error.message).not.toContain(SECRET);
  });

  it('ACME: the directory URL', async () => {
    const error = await failure(fetchDirectory(`${CLOSED}/dir`));
    expect(error.message).toBe(
      `The ACME directory ${CLOSED}/dir is unreachable (ECONNREFUSED). Check \`acme-directory\` and that the CA is reachable from the runner (DNS, firewall, proxy); no certificate was installed.`,
    );
  });
});
