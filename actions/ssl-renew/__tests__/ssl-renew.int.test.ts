// The bundled ssl-renew action against the stack: Pebble (real HTTP-01 validation of 127.0.0.1:5080
// through challtestsrv's DNS), the stack's sshd (as deploy), and an nginx edge running the rendered
// apps/proxy config as deploy. One edge, one story: first issuance, no-op, forced renewal, failures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../test/fake-slack';
import { freePort, startEdge, writeSelfSigned, type Edge } from '../../../test/fixtures/proxy/edge';
import { stackEnv } from '../../../test/stack-env';
import { describeCertificate } from '../../lib/tls/certificate';
import { chainEndsAt } from '../../../test/pki';
import { servedCertificate } from '../../lib/tls/tls-probe';

const DOMAINS = ['contextai.test', 'www.contextai.test'];
const stack = stackEnv();
const work = mkdtempSync(join(tmpdir(), 'ssl-renew-int-'));
const runs: ActionRun[] = [];
const newKeys: string[] = [];

let edge: Edge;
let slack: FakeSlack;
let accountKey: string;
let pebbleRoot: string;

function httpsText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
    }).on('error', reject);
  });
}

function inputs(over: Record<string, string> = {}): Record<string, string> {
  return {
    domains: DOMAINS.join('\n'),
    hosts: `${stack.STACK_SSH_HOST}:${stack.STACK_SSH_PORT}`,
    user: stack.STACK_SSH_USER!,
    'private-key': readFileSync(stack.STACK_SSH_KEY!, 'utf8'),
    'known-hosts': readFileSync(stack.STACK_SSH_KNOWN_HOSTS!, 'utf8'),
    'acme-directory': stack.STACK_ACME_DIRECTORY!,
    'account-key': accountKey,
    email: 'ops@contextai.test',
    webroot: edge.webroot,
    'cert-dir': edge.certDir,
    'reload-command': edge.reloadCommand,
    'test-command': edge.testCommand,
    'https-port': String(edge.httpsPort),
    ...over,
  };
}

async function renew(over: Record<string, string> = {}, entry?: string): Promise<ActionRun> {
  const result = await runAction('ssl-renew', inputs(over), {
    env: { NODE_EXTRA_CA_CERTS: stack.STACK_ACME_CA, SLACK_API_URL: slack.url },
    timeoutMs: 240_000,
    ...(entry ? { entry } : {}),
  });
  runs.push(result);
  return result;
}

/** The run's log as the runner shows it: `::add-mask::` commands are consumed, never displayed. */
const log = (result: ActionRun) => `${result.stdout}\n${result.stderr}`.replace(/^::add-mask::.*$/gm, '');

const live = () => ({
  chain: readFileSync(join(edge.certDir, 'fullchain.pem'), 'utf8'),
  key: readFileSync(join(edge.certDir, 'privkey.pem'), 'utf8'),
});
const served = () => servedCertificate('127.0.0.1', edge.httpsPort, DOMAINS[1]!);
const leafDer = (chain: string) => describeCertificate(chain, DOMAINS).fingerprint256;
const servedFingerprint = async () =>
  new (await import('node:crypto')).X509Certificate(await served()).fingerprint256;
/** Leftovers that must never stay behind: tokens in the webroot, staged files in the cert dir. */
const leftovers = () => [
  ...readdirSync(edge.webroot),
  ...readdirSync(edge.certDir).filter((f) => f.includes('ssl-renew')),
];

beforeAll(async () => {
  execFileSync(join(import.meta.dirname, '../../../scripts/acme-account'), [join(work, 'account.key')], {
    stdio: 'ignore',
  });
  accountKey = readFileSync(join(work, 'account.key'), 'utf8');
  pebbleRoot = await httpsText(
    `${stack.STACK_ACME_MANAGEMENT}/roots/0`,
    readFileSync(stack.STACK_ACME_CA!, 'utf8'),
  );
  slack = await startFakeSlack();
  edge = await startEdge({
    domains: DOMAINS,
    httpPort: Number(stack.STACK_ACME_HTTP_PORT), // where Pebble validates HTTP-01
    httpsPort: await freePort(),
    webUpstreamPort: 9, // nothing needs to answer behind the edge here
    apiUpstreamPort: 9,
    // A host before its first issuance: a short-lived self-signed placeholder so nginx can start.
    installCertificate: (certDir) => writeSelfSigned(certDir, DOMAINS, 1),
  });
});

afterAll(async () => {
  await edge?.stop();
  await slack?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('ssl-renew against Pebble, sshd and nginx', () => {
  it('issues the first certificate for two names, replacing the placeholder', async () => {
    const placeholder = live();
    const result = await renew();
    expect(result.code, log(result)).toBe(0);
    expect(result.outputs.renewed).toBe('true');
    const now = live();
    newKeys.push(now.key);
    expect(now.chain).not.toBe(placeholder.chain);
    const info = describeCertificate(now.chain, DOMAINS);
    expect(info.missingNames).toEqual([]);
    expect(result.outputs.serial).toBe(info.serial);
    expect(result.outputs['not-after']).toBe(info.notAfter.toISOString());
    expect(Number(result.outputs['days-remaining'])).toBeGreaterThan(300);
    expect(chainEndsAt(now.chain, pebbleRoot)).toBe(true);
    expect(await servedFingerprint()).toBe(leafDer(now.chain));
    expect(statSync(join(edge.certDir, 'privkey.pem')).mode & 0o777).toBe(0o600);
    expect(leftovers()).toEqual([]);
    expect(result.summary).toContain('placeholder certificate');
    expect(result.summary).toContain('contextai.test, www.contextai.test');
  });

  it('then decides not to renew (lifetime fraction, Pebble offers no ARI) and changes nothing', async () => {
    const before = live();
    const result = await renew();
    expect(result.code, log(result)).toBe(0);
    expect(result.outputs.renewed).toBe('false');
    expect(result.outputs.serial).toBe(describeCertificate(before.chain, DOMAINS).serial);
    expect(result.summary).toContain('keep (lifetime fraction)');
    expect(result.summary).toContain('the CA offers no ARI');
    expect(live()).toEqual(before);
  });

  it('forced: renews, and nginx serves the new certificate, which chains to Pebble’s root', async () => {
    const before = live();
    const result = await renew({ force: 'true' });
    expect(result.code, log(result)).toBe(0);
    expect(result.outputs.renewed).toBe('true');
    const now = live();
    newKeys.push(now.key);
    expect(result.outputs.serial).not.toBe(describeCertificate(before.chain, DOMAINS).serial);
    expect(await servedFingerprint()).toBe(leafDer(now.chain));
    expect(chainEndsAt(now.chain, pebbleRoot)).toBe(true);
    expect(readFileSync(join(edge.certDir, 'fullchain.pem.previous'), 'utf8')).toBe(before.chain);
    expect(result.summary).toContain('renew (forced)');
    expect(leftovers()).toEqual([]);
  });

  it('ACME server down: fails, alerts Slack, the old certificate stays and serves', async () => {
    const before = live();
    const dead = await freePort();
    const result = await renew({
      force: 'true',
      'acme-directory': `https://localhost:${dead}/dir`,
      'slack-token': FAKE_SLACK_TOKEN,
      'slack-channel': '#ops',
    });
    expect(result.code, log(result)).toBe(1);
    expect(log(result)).toMatch(/::error::.*ACME directory https:\/\/localhost:\d+\/dir is unreachable/);
    expect(result.outputs.renewed).toBe('false');
    expect(live()).toEqual(before);
    expect(await servedFingerprint()).toBe(leafDer(before.chain));
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.channel).toBe('#ops');
    expect(slack.messages[0]!.text).toContain('ssl-renew failed for contextai.test, www.contextai.test');
    expect(result.summary).toContain('failed, previous certificate kept');
  });

  it('a new key that does not match the certificate is never installed', async () => {
    const before = live();
    const result = await renew({ force: 'true' }, '__tests__/fixtures/faulty-key.mjs');
    expect(result.code, log(result)).toBe(1);
    expect(log(result)).toContain(
      'the new certificate was not installed: the private key does not match the certificate',
    );
    expect(live()).toEqual(before);
    expect(await servedFingerprint()).toBe(leafDer(before.chain));
    expect(leftovers()).toEqual([]);
  });

  it('a failing test-command after the rename puts the previous pair back; nginx never reloads', async () => {
    const before = live();
    const result = await renew({ force: 'true', 'test-command': '/bin/false' });
    expect(result.code, log(result)).toBe(1);
    expect(log(result)).toMatch(/Command failed on 127\.0\.0\.1:2222 \(exit code 1\): \/bin\/false/);
    expect(log(result)).toContain('the previous certificate files were put back (nginx was not reloaded)');
    expect(live()).toEqual(before);
    expect(await servedFingerprint()).toBe(leafDer(before.chain));
    expect(leftovers()).toEqual([]);
  });

  it('a wrong pinned host key is refused before authentication, nothing touched', async () => {
    const before = live();
    const stranger = utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');
    const result = await renew({
      force: 'true',
      'known-hosts': `[${stack.STACK_SSH_HOST}]:${stack.STACK_SSH_PORT} ${stranger}\n`,
    });
    expect(result.code, log(result)).toBe(1);
    expect(log(result)).toMatch(
      /Refused 127\.0\.0\.1:2222 before authentication: it offered a host key that does not match/,
    );
    expect(live()).toEqual(before);
    expect(leftovers()).toEqual([]);
  });

  it('never prints the account key, the SSH key or a certificate private key', () => {
    expect(runs.length).toBeGreaterThanOrEqual(6);
    expect(newKeys).toHaveLength(2);
    const secrets = [accountKey, readFileSync(stack.STACK_SSH_KEY!, 'utf8'), ...newKeys];
    const bodyLines = secrets.flatMap((pem) =>
      pem.split('\n').filter((line) => line.length >= 20 && !line.startsWith('-----')),
    );
    expect(bodyLines.length).toBeGreaterThan(5);
    for (const run of runs) {
      expect(run.stdout).toContain('::add-mask::'); // the secrets were registered for masking
      const printed = everythingPrinted(run); // without the ::add-mask:: commands the runner consumes
      for (const line of bodyLines) expect(printed).not.toContain(line);
    }
  });
});
