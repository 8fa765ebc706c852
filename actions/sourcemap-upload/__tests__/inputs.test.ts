import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orgAuthToken, userAuthToken } from '../../../test/fake-sentry';
import { ENVIRONMENT, readInputs, RELEASE, SLUG, URL_PREFIX } from '../src/inputs';

const workspace = mkdtempSync(join(tmpdir(), 'sourcemap-inputs-'));
mkdirSync(join(workspace, 'dist', 'web'), { recursive: true });
writeFileSync(join(workspace, 'README'), 'a file, not a directory');
const TOKEN = userAuthToken();

function read(values: Record<string, string>) {
  const secrets: string[] = [];
  const core = {
    getInput: (name: string) => values[name] ?? '',
    setSecret: (s: string) => void secrets.push(s),
  };
  const run = () => readInputs(core, { GITHUB_WORKSPACE: workspace });
  return { run, secrets };
}

const base = { org: 'contextai', project: 'contextai-web', 'auth-token': TOKEN, paths: 'dist/web' };

describe('readInputs', () => {
  it('fills the documented defaults and resolves paths against the workspace', () => {
    const { run, secrets } = read(base);
    expect(run()).toEqual({
      url: 'https://sentry.io/',
      org: 'contextai',
      project: 'contextai-web',
      authToken: TOKEN,
      paths: [join(workspace, 'dist', 'web')],
      urlPrefix: '~/',
      inject: false,
      finalize: false,
      deploy: false,
      deleteAfter: false,
      npmRegistry: 'https://registry.npmjs.org',
    });
    expect(secrets).toEqual([TOKEN]);
  });

  it('lists every problem at once, naming inputs and never the token', () => {
    const { run } = read({
      'auth-token': TOKEN,
      url: 'ftp://sentry.example.com',
      org: 'Context AI',
      release: '../x',
      environment: 'prod env',
      paths: 'dist/web, missing, README',
      'url-prefix': 'static files',
      finalize: 'yes',
    });
    let message = '';
    try {
      run();
    } catch (error) {
      message = (error as Error).message;
    }
    for (const expected of [
      '`url` is not valid',
      '`org` is not valid',
      '`project` is required',
      '`release` is not valid',
      '`environment` is not valid',
      `item #2 (\`${join(workspace, 'missing')}\`) does not exist`,
      `item #3 (\`${join(workspace, 'README')}\`) is not a directory`,
      '`url-prefix` is not valid',
      '`finalize` must be `true` or `false`',
    ])
      expect(message).toContain(expected);
    expect(message).not.toContain(TOKEN);
  });

  it('requires the token, and https except on loopback', () => {
    expect(() => read({ ...base, 'auth-token': ' ' }).run()).toThrow(/`auth-token` is required/);
    expect(() => read({ ...base, url: 'http://sentry.example.com/' }).run()).toThrow(/`url` must use https/);
    expect(read({ ...base, url: 'http://127.0.0.1:9000' }).run().url).toBe('http://127.0.0.1:9000');
    expect(() => read({ ...base, url: 'https://user:pass@sentry.io/' }).run()).toThrow(/`url` is not valid/);
  });

  it('checks that finalize and deploy have what they need, and that a step has something to do', () => {
    expect(() => read({ ...base, finalize: 'true' }).run()).toThrow(/`finalize` needs a `release`/);
    expect(() => read({ ...base, deploy: 'true', release: 'v1' }).run()).toThrow(
      /`deploy` needs the `environment`/,
    );
    expect(() => read({ ...base, paths: '' }).run()).toThrow(/`paths` is required unless/);
    expect(() =>
      read({
        ...base,
        paths: '',
        'delete-after': 'true',
        deploy: 'true',
        release: 'v1',
        environment: 'staging',
      }).run(),
    ).toThrow(/`delete-after` needs `paths`/);
    const deployOnly = read({
      ...base,
      paths: '',
      deploy: 'true',
      release: 'v1',
      environment: 'staging',
    }).run();
    expect(deployOnly).toMatchObject({ paths: [], deploy: true, release: 'v1', environment: 'staging' });
  });

  it('refuses an organization token of another organization or server (sentry-cli would follow the token)', () => {
    const mine = orgAuthToken('contextai', 'https://sentry.io');
    const accepted = read({ ...base, 'auth-token': mine });
    expect(accepted.run().authToken).toBe(mine);
    // Masked whole, and its secret segment on its own too.
    expect(accepted.secrets).toEqual([mine, mine.split('_')[2]]);
    expect(() => read({ ...base, 'auth-token': orgAuthToken('other', 'https://sentry.io') }).run()).toThrow(
      /`auth-token` belongs to organization `other`, not to `org` \(`contextai`\)/,
    );
    expect(() => read({ ...base, url: 'https://sentry.example.com/', 'auth-token': mine }).run()).toThrow(
      /was issued by https:\/\/sentry\.io, not by `url`/,
    );
    expect(() => read({ ...base, 'auth-token': 'sntrys_garbage' }).run()).toThrow(/malformed: copy it again/);
  });
});

describe('patterns', () => {
  it.each(['1.4.2', 'api@1.4.2+abc1234', 'web-2026.11.29', 'v1 beta'])('release %s is accepted', (v) =>
    expect(RELEASE.test(v)).toBe(true),
  );
  it.each(['', '.', '..', 'latest', 'a/b', ' v1', 'v1 ', '-rf', 'a\nb', 'x'.repeat(201)])(
    'release %j is refused',
    (v) => expect(RELEASE.test(v)).toBe(false),
  );
  it('slugs, environments and URL prefixes', () => {
    expect(['contextai', 'contextai-web', 'my_org', '12345'].every((s) => SLUG.test(s))).toBe(true);
    expect(['Context', '-x', 'a b', 'a/b', ''].some((s) => SLUG.test(s))).toBe(false);
    expect(['staging', 'production', 'pr-12'].every((s) => ENVIRONMENT.test(s))).toBe(true);
    expect(['prod env', '../x', ''].some((s) => ENVIRONMENT.test(s))).toBe(false);
    expect(
      ['~/', '~/_next/', 'app:///', 'https://cdn.example.com/static/'].every((s) => URL_PREFIX.test(s)),
    ).toBe(true);
    expect(['static/', '~/a b', '/abs'].some((s) => URL_PREFIX.test(s))).toBe(false);
  });
});
