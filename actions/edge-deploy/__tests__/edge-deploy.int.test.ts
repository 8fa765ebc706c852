// The bundled edge-deploy action against the stack: its sshd (as deploy, host key pinned) and its
// nginx (run by deploy; the edge goes into conf.d, tested with STACK_NGINX_TEST and reloaded with
// STACK_NGINX_RELOAD). A self-signed certificate stands in for the issued one (its own CA for the
// check). One story: first deploy, a second version, a configuration nginx -t refuses, a check that
// fails after the reload; the previous configuration keeps serving through both failures.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { DEPLOY_USER, freePort, startUpstream, writeSelfSigned } from '../../../test/fixtures/proxy/edge';
import { stackEnv } from '../../../test/stack-env';

const stack = stackEnv();
const DOMAINS = ['contextai.test', 'www.contextai.test'];
const work = mkdtempSync(join(tmpdir(), 'edge-deploy-int-'));
const root = join(work, 'deploy');
const certDir = join(work, 'certs');
const otherCa = join(work, 'other-ca');
const configPath = join(stack.STACK_NGINX_CONFD!, 'edge-deploy-test.conf');
const previousPath = join(stack.STACK_NGINX_CONFD!, '.edge-deploy-test.conf.previous');
const privateKey = readFileSync(stack.STACK_SSH_KEY!, 'utf8');
const upstreams: Server[] = [];
let httpsPort: number;
let httpPort: number;

function deployIds(): [number, number] {
  const id = (flag: string) => Number(execFileSync('id', [flag, DEPLOY_USER], { encoding: 'utf8' }).trim());
  return [id('-u'), id('-g')];
}

beforeAll(async () => {
  const [uid, gid] = deployIds();
  for (const dir of [root, `${root}/api`, `${root}/web`, certDir, otherCa, `${work}/acme`, `${work}/logs`]) {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, uid, gid);
  }
  chownSync(work, uid, gid);
  writeSelfSigned(certDir, DOMAINS, 2);
  writeSelfSigned(otherCa, DOMAINS, 2);
  for (const dir of [certDir, otherCa])
    for (const file of ['fullchain.pem', 'privkey.pem']) chownSync(join(dir, file), uid, gid);
  const web = await startUpstream('web', 'text/html', '<p>web</p>');
  const api = await startUpstream('api', 'application/json', '{"ok":true}');
  upstreams.push(web.server, api.server);
  // What deploy-ssh writes after a switch.
  writeFileSync(`${root}/web/upstream.conf`, `server 127.0.0.1:${web.port};\n`);
  writeFileSync(`${root}/api/upstream.conf`, `server 127.0.0.1:${api.port};\n`);
  [httpPort, httpsPort] = [await freePort(), await freePort()];
});

afterAll(() => {
  for (const server of upstreams) server.close();
  rmSync(configPath, { force: true });
  rmSync(previousPath, { force: true });
  execFileSync('setpriv', [
    '--reuid=deploy',
    '--regid=deploy',
    '--init-groups',
    ...stack.STACK_NGINX_RELOAD!.split(' '),
  ]);
  rmSync(work, { recursive: true, force: true });
});

function inputs(over: Record<string, string> = {}): Record<string, string> {
  return {
    hosts: `${stack.STACK_SSH_HOST}:${stack.STACK_SSH_PORT}`,
    user: stack.STACK_SSH_USER!,
    'private-key': privateKey,
    'known-hosts': readFileSync(stack.STACK_SSH_KNOWN_HOSTS!, 'utf8'),
    domains: DOMAINS.join(','),
    root,
    'config-path': configPath,
    'cert-dir': certDir,
    webroot: `${work}/acme`,
    'access-log': `${work}/logs/edge.access.json.log`,
    'http-listen': `127.0.0.1:${httpPort}`,
    'https-listen': `127.0.0.1:${httpsPort}`,
    'test-command': stack.STACK_NGINX_TEST!,
    'reload-command': stack.STACK_NGINX_RELOAD!,
    'ca-file': join(certDir, 'fullchain.pem'),
    'check-path': '/healthz',
    ...over,
  };
}

const deploy = (over: Record<string, string> = {}) =>
  runAction('edge-deploy', inputs(over), { timeoutMs: 120_000 });

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request through the edge, the certificate verified against the test's own CA. */
function get(path: string, name = DOMAINS[0]!): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: httpsPort,
        path,
        servername: name,
        headers: { host: name },
        ca: readFileSync(join(certDir, 'fullchain.pem')),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const state = () =>
  JSON.parse(readFileSync(`${root}/edge/state.json`, 'utf8')) as {
    current: { version: string; sha256: string };
    retained: { version: string }[];
  };
const audit = () =>
  readFileSync(`${root}/edge/releases.log`, 'utf8')
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as { version: string; result: string; previous: string | null; error?: string },
    );
/** The failure as the runner shows it (`::error::` with its escapes undone). */
const failureOf = (run: ActionRun) =>
  (/::error::(.*)/.exec(run.stdout)?.[1] ?? run.stdout)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%');

/**
 * The configuration whose access log is `accessLog` serves: routes, headers, and the request logged
 * there. Retried for a few seconds: after a reload, nginx's old workers finish their connections and
 * may still answer a new one for a moment.
 */
async function expectServing(accessLog: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await servedBy(accessLog);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function servedBy(accessLog: string): Promise<void> {
  const web = await get('/dashboard', DOMAINS[1]);
  expect(web.status).toBe(200);
  expect(web.headers['x-upstream']).toBe('web');
  expect(web.headers['strict-transport-security']).toBe('max-age=63072000');
  expect(web.headers['content-security-policy']).toContain("default-src 'self'");
  const api = await get('/api/sectors');
  expect(api.headers['x-upstream']).toBe('api');
  expect(api.headers['x-upstream-path']).toBe('/api/sectors');
  const logged = existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '';
  expect(logged).toContain(`"request_id":"${api.headers['x-request-id']}"`);
}

describe('edge-deploy on the stack', () => {
  it('renders the edge, deploys it over SSH, and it serves over HTTPS with its headers', async () => {
    const run = await deploy({ version: 'v1' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ version: 'v1', 'previous-version': '', reverted: 'false' });
    expect(run.stdout).toMatch(/accepts .*edge-deploy-test\.conf/);
    await expectServing(`${work}/logs/edge.access.json.log`);
    // Recorded like an app release: the version's copy, state.json, current, the audit log.
    const live = readFileSync(configPath, 'utf8');
    expect(readFileSync(`${root}/edge/releases/v1/edge-deploy-test.conf`, 'utf8')).toBe(live);
    expect(live).toContain(`include ${root}/api/upstream*.conf;`);
    expect(state().current.version).toBe('v1');
    expect(readFileSync(`${root}/edge/current`, 'utf8')).toBe('v1\n');
    expect(audit().at(-1)).toMatchObject({ version: 'v1', result: 'success', previous: null });
    expect(run.summary).toContain('Edge deploy');
    expect(everythingPrinted(run)).not.toContain(privateKey.trim().split('\n')[1]);
  });

  it('deploys a second version, keeping the first as the previous configuration', async () => {
    const v1 = readFileSync(configPath, 'utf8');
    const run = await deploy({ version: 'v2', 'access-log': `${work}/logs/edge-v2.access.json.log` });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ version: 'v2', 'previous-version': 'v1', reverted: 'false' });
    await expectServing(`${work}/logs/edge-v2.access.json.log`);
    expect(readFileSync(previousPath, 'utf8')).toBe(v1);
    expect(state()).toMatchObject({ current: { version: 'v2' }, retained: [{ version: 'v1' }] });
  });

  it('refuses a configuration nginx -t rejects: nginx -t says why, and the previous one keeps serving', async () => {
    const v2 = readFileSync(configPath, 'utf8');
    const run = await deploy({ version: 'v3-broken', 'cert-dir': `${work}/no-such-certs` });
    expect(run.code).not.toBe(0);
    const error = failureOf(run);
    expect(error).toContain('refused the new configuration');
    expect(error).toMatch(/nginx: \[emerg\] cannot load certificate .*no-such-certs\/fullchain\.pem/);
    expect(error).toContain('the previous configuration was put back (nginx never loaded the new one)');
    expect(run.outputs).toMatchObject({ 'previous-version': 'v2', reverted: 'true' });
    expect(run.outputs.version).toBeUndefined();
    expect(readFileSync(configPath, 'utf8')).toBe(v2);
    await expectServing(`${work}/logs/edge-v2.access.json.log`);
    execFileSync('setpriv', [
      '--reuid=deploy',
      '--regid=deploy',
      '--init-groups',
      ...stack.STACK_NGINX_TEST!.split(' '),
    ]);
    expect(state().current.version).toBe('v2');
    expect(audit().at(-1)).toMatchObject({ version: 'v3-broken', result: 'reverted', previous: 'v2' });
    expect(audit().at(-1)!.error).toContain('cannot load certificate');
  });

  it('puts the previous configuration back and reloads when the HTTPS check fails after the reload', async () => {
    const v2 = readFileSync(configPath, 'utf8');
    // nginx accepts and loads it, but the runner does not trust the certificate it serves.
    const run = await deploy({
      version: 'v4-untrusted',
      'access-log': `${work}/logs/edge-v4.access.json.log`,
      'ca-file': join(otherCa, 'fullchain.pem'),
    });
    expect(run.code).not.toBe(0);
    const error = failureOf(run);
    expect(error).toContain('does not serve the new configuration steadily');
    expect(error).toMatch(/certificate|self.signed/i);
    expect(error).toContain('the previous configuration was put back and nginx reloaded');
    expect(run.outputs).toMatchObject({ 'previous-version': 'v2', reverted: 'true' });
    expect(readFileSync(configPath, 'utf8')).toBe(v2);
    // Served by v2 again (its access log), not by the reverted v4.
    await expectServing(`${work}/logs/edge-v2.access.json.log`);
    expect(existsSync(`${work}/logs/edge-v4.access.json.log`)).toBe(true);
    expect(state().current.version).toBe('v2');
  });

  it('refuses hostile inputs before connecting to any host', async () => {
    const run = await deploy({
      version: 'v5',
      domains: 'contextai.test; include /etc/passwd',
      'test-command': 'nginx -t; rm -rf /',
      'config-path': '/etc/nginx/../passwd',
      hosts: '127.0.0.1:1',
    });
    expect(run.code).not.toBe(0);
    const error = failureOf(run);
    expect(error).toContain('`domains` item #1 is not a DNS name');
    expect(error).toContain('`test-command` must be plain words');
    expect(error).toContain('`config-path` is not valid');
    expect(error).not.toContain('SSH connection');
    expect(state().current.version).toBe('v2');
  });
});
