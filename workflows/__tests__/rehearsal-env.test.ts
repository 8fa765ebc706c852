import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../src/values';
import { renderProxyConfig } from '../../apps/proxy/src/render';
import { parseChecks } from '../../actions/lib/smoke/checks';
import { edgeProxyParams, rehearsalEnv, type RehearsalEdge } from '../src/rehearsal-env';

const dir = mkdtempSync(join(tmpdir(), 'rehearsal-env-'));
const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\nBBBB\n-----END OPENSSH PRIVATE KEY-----\n';
writeFileSync(join(dir, 'id'), key);
writeFileSync(join(dir, 'known_hosts'), '[127.0.0.1]:2222 ssh-ed25519 AAAAC3\n');
const stack: Record<string, string> = {
  STACK_SSH_KEY: join(dir, 'id'),
  STACK_SSH_KNOWN_HOSTS: join(dir, 'known_hosts'),
  STACK_SSH_HOST: '127.0.0.1',
  STACK_SSH_PORT: '2222',
  STACK_SSH_USER: 'deploy',
  STACK_REDIS_URL: 'redis://127.0.0.1:6390',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  STACK_REGISTRY: '127.0.0.1:5000',
  STACK_BUILDAH: 'buildah --storage-driver vfs --root /r --runroot /rr',
  STACK_DEPLOY_ENGINE: 'sudo -n podman --storage-driver vfs',
  STACK_NGINX_RELOAD: '/usr/sbin/nginx -s reload',
  STACK_NGINX_TEST: '/usr/sbin/nginx -t',
  STACK_S3_BUCKET: 'backups',
  STACK_S3_ENDPOINT: 'http://127.0.0.1:4569',
  STACK_ACME_HTTP_PORT: '5080',
  STACK_ACME_DIRECTORY: 'https://localhost:14000/dir',
  STACK_ACME_CA: '/stack/acme/ca.pem',
};
const extras = {
  ageIdentity: 'AGE-SECRET-KEY-1XYZ',
  ageRecipient: 'age1xyz',
  deployRoot: '/srv/rehearsal',
  siteUrl: 'http://127.0.0.1:8181',
  internalUrl: 'http://127.0.0.1:8281',
  appDatabaseUrl: 'postgres://u:p@127.0.0.1:55432/app',
  scratchDatabaseUrl: 'postgres://u:p@127.0.0.1:55432/scratch',
  imageBuildArgs: 'BASE_IMAGE=127.0.0.1:5000/contextai/node-base:20',
};

describe('rehearsal env file', () => {
  it('round-trips through the engine’s env-file parser, multi-line secrets included', () => {
    const env = parseEnvFile(rehearsalEnv(stack, extras));
    const staging = env.environments.staging!;
    expect(staging.secrets.SSH_PRIVATE_KEY).toBe(key);
    expect(staging.secrets.API_ENV).toContain('DATABASE_URL=postgres://u:p@127.0.0.1:55432/app');
    expect(env.repository.vars.BUILD_ENGINE_FLAGS).toBe('--storage-driver vfs --root /r --runroot /rr');
    expect(env.repository.vars.SECURITY_SCAN).toBe('unavailable');
    expect(env.runner.BUILDAH_LAYERS).toBe('true');
  });

  it('scopes values as GitHub does: what jobs without an environment use is repository-level', () => {
    const env = parseEnvFile(rehearsalEnv(stack, extras));
    // deploy.yml's build job and deploy-production.yml's resolve job name no environment.
    expect(Object.keys(env.repository.vars)).toEqual(
      expect.arrayContaining(['REGISTRY', 'REGISTRY_HOST', 'REGISTRY_INSECURE', 'IMAGE_BUILD_ARGS']),
    );
    expect(env.repository.secrets).toEqual({});
    expect(env.repository.vars.DEPLOY_HOSTS).toBeUndefined();
    expect(env.environments.production!.vars.DEPLOY_HOSTS).toBe('127.0.0.1:2222');
    expect(env.environments.operations!.secrets.DATABASE_URL).toBe(extras.appDatabaseUrl);
    expect(env.environments.staging!.secrets.DATABASE_URL).toBeUndefined();
  });

  it('keeps loopback out of the masked app env and leaves slot ports to the workflow unless given', () => {
    const env = parseEnvFile(rehearsalEnv(stack, extras)).environments.staging!;
    // deploy-ssh masks every value of API_ENV/WEB_ENV: 127.0.0.1 there would vanish from every log.
    expect(env.secrets.API_ENV).not.toMatch(/^HOST=/m);
    expect(env.vars.CONTAINER_RUN_ARGS).toContain('--env HOST=127.0.0.1');
    expect(env.vars.CONTAINER_RUN_ARGS).toMatch(/^[\w@%+=:,./ -]+$/); // deploy-ssh's plain words
    expect(env.vars.API_PORTS).toBeUndefined();
    // The smoke test's URL is no secret's value either (the report would read `***`).
    expect(env.secrets.WEB_ENV).toContain('API_URL=http://127.0.0.1:8281');
    for (const secret of Object.values(env.secrets)) expect(secret).not.toContain(env.vars.APP_URL);
    const second = parseEnvFile(
      rehearsalEnv(stack, { ...extras, apiPorts: '3201,3202', webPorts: '3211,3212' }),
    ).environments.staging!;
    expect([second.vars.API_PORTS, second.vars.WEB_PORTS]).toEqual(['3201,3202', '3211,3212']);
  });

  it('names a missing stack variable', () => {
    const { STACK_REGISTRY: _, ...partial } = stack;
    expect(() => rehearsalEnv(partial, extras)).toThrow(/STACK_REGISTRY/);
  });
});

describe('rehearsal env file with the staging edge', () => {
  const edge: RehearsalEdge = {
    domains: ['staging.contextai.test'],
    httpsPort: 8443,
    internalPort: 8281,
    dir: '/stack/edge',
    configPath: '/stack/nginx/conf.d/contextai.conf',
    accessLog: '/stack/nginx/logs/contextai.access.json.log',
    caFile: '/stack/rehearsal/edge-ca.pem',
    acmeAccountKey: '-----BEGIN PRIVATE KEY-----\nACME\n-----END PRIVATE KEY-----\n',
    runnerCaFile: '/stack/rehearsal/runner-ca.pem',
  };
  const { siteUrl: _s, internalUrl: _i, ...noSite } = extras;
  const env = parseEnvFile(rehearsalEnv(stack, { ...noSite, edge }));
  const staging = env.environments.staging!;

  it('deploys the edge with the pipeline and smoke-tests through it over HTTPS, trusting the edge CA', () => {
    expect(staging.vars).toMatchObject({
      EDGE_DEPLOY: 'true',
      EDGE_HOSTS: '127.0.0.1:2222',
      TLS_DOMAINS: 'staging.contextai.test',
      TLS_CERT_DIR: '/stack/edge/certs',
      ACME_WEBROOT: '/stack/edge/acme',
      EDGE_HTTP_LISTEN: '127.0.0.1:5080', // where Pebble validates HTTP-01
      EDGE_HTTPS_LISTEN: '127.0.0.1:8443',
      EDGE_INTERNAL_LISTEN: '127.0.0.1:8281',
      EDGE_CA_FILE: '/stack/rehearsal/edge-ca.pem',
      APP_URL: 'https://staging.contextai.test:8443',
      SMOKE_CONNECT_ADDRESS: '127.0.0.1',
    });
    expect(staging.vars.SMOKE_CHECKS).toContain('path: /api/health/ready');
    const checks = parseChecks(staging.vars.SMOKE_CHECKS!);
    expect(checks.problems).toEqual([]);
    expect(checks.checks[1]).toMatchObject({ path: '/', contains: 'data-testid="api-readiness">ready' });
    // The web's server-side calls go through the edge's loopback listener, not a site of their own.
    expect(staging.secrets.WEB_ENV).toContain('API_URL=http://127.0.0.1:8281');
    for (const secret of Object.values(staging.secrets)) expect(secret).not.toContain(staging.vars.APP_URL);
    expect(env.environments.production!.vars.EDGE_DEPLOY).toBe('true');
  });

  it('gives ssl-renew.yml (operations) the same names, directories and commands, and Pebble over HTTPS', () => {
    const operations = env.environments.operations!;
    expect(operations.vars).toMatchObject({
      TLS_DOMAINS: staging.vars.TLS_DOMAINS,
      EDGE_HOSTS: staging.vars.EDGE_HOSTS,
      TLS_CERT_DIR: staging.vars.TLS_CERT_DIR,
      ACME_WEBROOT: staging.vars.ACME_WEBROOT,
      PROXY_TEST: staging.vars.PROXY_TEST,
      PROXY_RELOAD: staging.vars.PROXY_RELOAD,
      DEPLOY_USER: 'deploy',
      ACME_DIRECTORY: 'https://localhost:14000/dir',
      ACME_EMAIL: 'ops@contextai.test',
      HTTPS_PORT: '8443',
    });
    expect(operations.secrets.ACME_ACCOUNT_KEY).toBe(edge.acmeAccountKey);
    expect(operations.secrets.SSH_PRIVATE_KEY).toBe(key);
    expect(env.runner.NODE_EXTRA_CA_CERTS).toBe('/stack/rehearsal/runner-ca.pem');
    const { STACK_ACME_DIRECTORY: _, ...noAcme } = stack;
    expect(() => rehearsalEnv(noAcme, { ...noSite, edge })).toThrow(/STACK_ACME_DIRECTORY/);
    expect(() => rehearsalEnv(stack, noSite)).toThrow(/needs an edge/);
  });

  it('installs the edge by hand the first time exactly as edge-deploy renders it from those variables', () => {
    const config = renderProxyConfig(
      edgeProxyParams(stack, edge, { root: '/srv/rehearsal', apiApp: 'api', webApp: 'web' }),
    );
    expect(config).toContain('server_name staging.contextai.test;');
    expect(config).toContain('listen 127.0.0.1:5080;');
    expect(config).toContain('listen 127.0.0.1:8443 ssl http2;');
    expect(config).toContain('listen 127.0.0.1:8281;');
    expect(config).toContain('ssl_certificate /stack/edge/certs/fullchain.pem;');
    expect(config).toContain('alias /stack/edge/acme/;');
    expect(config).toContain('include /srv/rehearsal/api/upstream*.conf;');
    expect(config).toContain('https://$host:8443$request_uri');
  });
});
