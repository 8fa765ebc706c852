import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPackage, SENTRY_CLI_VERSION } from '../cli-package';
import { integrityOf } from '../install';

describe('cliPackage', () => {
  it('points at the platform package tarball in the registry, with its pinned integrity', () => {
    expect(cliPackage('https://registry.npmjs.org/', 'linux', 'x64')).toEqual({
      name: '@sentry/cli-linux-x64',
      version: SENTRY_CLI_VERSION,
      tarballUrl: `https://registry.npmjs.org/@sentry/cli-linux-x64/-/cli-linux-x64-${SENTRY_CLI_VERSION}.tgz`,
      integrity: expect.stringMatching(/^sha512-[A-Za-z0-9+/]{86}==$/),
    });
    expect(cliPackage('http://mirror:4873', 'darwin', 'arm64').tarballUrl).toBe(
      `http://mirror:4873/@sentry/cli-darwin/-/cli-darwin-${SENTRY_CLI_VERSION}.tgz`,
    );
    expect(cliPackage('r', 'linux', 'arm64').integrity).not.toBe(cliPackage('r', 'linux', 'x64').integrity);
  });

  it('refuses platforms without a pinned binary', () => {
    expect(() => cliPackage('r', 'win32', 'x64')).toThrow(/No sentry-cli binary is pinned for win32\/x64/);
  });
});

describe('integrityOf', () => {
  it('writes sha512 integrity the way npm does (base64 of the digest)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'integrity-')), 'x.tgz');
    writeFileSync(file, 'some bytes');
    expect(await integrityOf(file)).toBe(
      `sha512-${createHash('sha512').update('some bytes').digest('base64')}`,
    );
  });
});
