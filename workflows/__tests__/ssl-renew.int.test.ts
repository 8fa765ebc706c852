import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startEdge, writeSelfSigned, type Edge } from '../../test/fixtures/proxy/edge';
import { e2eEnvironment, runReal } from './e2e';
import { REPO_ROOT } from './helpers';

// ssl-renew.yml through the engine: Pebble validates HTTP-01 on the stack's ACME HTTP port, where
// an nginx edge (the rendered apps/proxy config, run as deploy) serves the webroot the action
// writes over SSH; the workflow's vars point the action at that edge's files and commands.
const DOMAINS = ['contextai.test', 'www.contextai.test'];

describe('ssl-renew.yml on the stack', () => {
  const env = e2eEnvironment('tls');
  const work = mkdtempSync(join(tmpdir(), 'ssl-renew-e2e-'));
  let edge: Edge;

  beforeAll(async () => {
    const stack = env.stack;
    execFileSync(join(REPO_ROOT, 'scripts/acme-account'), [join(work, 'account.key')], { stdio: 'ignore' });
    edge = await startEdge({
      domains: DOMAINS,
      httpPort: Number(stack.STACK_ACME_HTTP_PORT),
      httpsPort: await freePort(),
      webUpstreamPort: 9,
      apiUpstreamPort: 9,
      installCertificate: (certDir) => writeSelfSigned(certDir, DOMAINS, 1),
    });
    // ssl-renew's job runs in the `operations` environment: its values live there.
    const operations = env.environments.operations!;
    Object.assign(operations.secrets, {
      ACME_ACCOUNT_KEY: readFileSync(join(work, 'account.key'), 'utf8'),
      SSH_PRIVATE_KEY: env.environments.staging!.secrets.SSH_PRIVATE_KEY!,
      SSH_KNOWN_HOSTS: env.environments.staging!.secrets.SSH_KNOWN_HOSTS!,
    });
    Object.assign(operations.vars, {
      DEPLOY_USER: env.environments.staging!.vars.DEPLOY_USER,
      TLS_DOMAINS: DOMAINS.join(','),
      EDGE_HOSTS: env.environments.staging!.vars.DEPLOY_HOSTS,
      ACME_DIRECTORY: stack.STACK_ACME_DIRECTORY,
      ACME_EMAIL: 'ops@contextai.test',
      ACME_WEBROOT: edge.webroot,
      TLS_CERT_DIR: edge.certDir,
      PROXY_RELOAD: edge.reloadCommand,
      PROXY_TEST: edge.testCommand,
      HTTPS_PORT: String(edge.httpsPort),
    });
    env.runner.NODE_EXTRA_CA_CERTS = stack.STACK_ACME_CA!;
  });

  afterAll(async () => {
    await edge?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('replaces the placeholder with a Pebble certificate on schedule, then finds nothing due', async () => {
    const leaf = () => new X509Certificate(readFileSync(join(edge.certDir, 'fullchain.pem')));
    expect(leaf().issuer).toBe(leaf().subject); // the self-signed placeholder

    const first = await runReal('ssl-renew.yml', env, { event: 'schedule', ref: 'refs/heads/main' });
    expect(first.result.conclusion, first.printed).toBe('success');
    expect(leaf().issuer).toMatch(/Pebble/);
    expect(leaf().subjectAltName).toContain('DNS:www.contextai.test');
    const serial = leaf().serialNumber;

    const second = await runReal('ssl-renew.yml', env, {
      event: 'workflow_dispatch',
      ref: 'refs/heads/main',
      inputs: { force: 'false' },
    });
    expect(second.result.conclusion, second.printed).toBe('success');
    expect(leaf().serialNumber).toBe(serial);
    for (const run of [first, second])
      expect(run.printed).not.toContain(
        env.environments.operations!.secrets.ACME_ACCOUNT_KEY!.split('\n')[1]!,
      );
  });
});
