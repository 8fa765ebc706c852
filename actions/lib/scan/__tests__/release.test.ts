import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { actionDefaults } from '../../action/metadata';
import { IMAGE_REF } from '../../image/image-name';
import { COMPROMISED_VERSIONS, expectedChecksum, pinnedChecksum, releaseAssets, VERSION } from '../release';
import { scanArgv } from '../scan';

const SHA = 'a'.repeat(64);

describe('releaseAssets', () => {
  it('follows the official release URL pattern', () => {
    expect(
      releaseAssets('0.69.3', 'https://github.com/aquasecurity/trivy/releases/download/', 'linux', 'x64'),
    ).toEqual({
      archiveName: 'trivy_0.69.3_Linux-64bit.tar.gz',
      archiveUrl:
        'https://github.com/aquasecurity/trivy/releases/download/v0.69.3/trivy_0.69.3_Linux-64bit.tar.gz',
      checksumsUrl:
        'https://github.com/aquasecurity/trivy/releases/download/v0.69.3/trivy_0.69.3_checksums.txt',
    });
    expect(releaseAssets('0.69.3', 'http://m', 'darwin', 'arm64').archiveName).toBe(
      'trivy_0.69.3_macOS-ARM64.tar.gz',
    );
  });

  it('refuses platforms without a tar.gz release', () => {
    expect(() => releaseAssets('0.69.3', 'http://m', 'win32', 'x64')).toThrow(/no tar.gz release for win32/);
  });

  it('pins a default (security-scan’s action.yml) that is not a compromised release', () => {
    const defaults = actionDefaults(join(import.meta.dirname, '../../../security-scan/action.yml'));
    expect(defaults['trivy-version']).toMatch(VERSION);
    expect(COMPROMISED_VERSIONS.has(defaults['trivy-version']!)).toBe(false);
  });

  it('pins the sha256 of the default version for the Linux runners in the source', () => {
    const version = actionDefaults(join(import.meta.dirname, '../../../security-scan/action.yml'))[
      'trivy-version'
    ]!;
    for (const arch of ['x64', 'arm64'])
      expect(pinnedChecksum(version, releaseAssets(version, 'http://m', 'linux', arch).archiveName)).toMatch(
        /^[0-9a-f]{64}$/,
      );
    expect(pinnedChecksum('0.69.3', 'trivy_0.69.3_Linux-64bit.tar.gz')).toBe(
      '1816b632dfe529869c740c0913e36bd1629cb7688bd5634f4a858c1d57c88b75',
    );
    expect(pinnedChecksum('0.60.0', 'trivy_0.60.0_Linux-64bit.tar.gz')).toBeUndefined();
  });
});

describe('expectedChecksum', () => {
  const file = `${'b'.repeat(64)}  trivy_0.69.3_Linux-ARM64.tar.gz\n${SHA.toUpperCase()}  trivy_0.69.3_Linux-64bit.tar.gz\n`;
  it('finds the line of the exact file name', () => {
    expect(expectedChecksum(file, 'trivy_0.69.3_Linux-64bit.tar.gz')).toBe(SHA);
    expect(expectedChecksum(file, 'trivy_0.69.3_Linux-64bit.tar')).toBeUndefined();
    expect(expectedChecksum('garbage', 'x')).toBeUndefined();
  });
});

describe('scanArgv', () => {
  it('asks for the full JSON report and passes the cache options', () => {
    const argv = scanArgv({
      trivy: '/t/trivy',
      imageRef: 'r/x:1',
      reportFile: '/w/r.json',
      cacheDir: '/c',
      skipDbUpdate: true,
    });
    expect(argv).toEqual([
      '/t/trivy',
      'image',
      '--format',
      'json',
      '--output',
      '/w/r.json',
      '--scanners',
      'vuln',
      '--cache-dir',
      '/c',
      '--skip-db-update',
      '--skip-java-db-update',
      'r/x:1',
    ]);
    expect(argv).not.toContain('--severity');
  });
});

describe('IMAGE_REF', () => {
  it.each([
    'ghcr.io/org/api',
    'ghcr.io/org/api:1.2.3',
    `127.0.0.1:5000/ctx/api@sha256:${SHA}`,
    `r/x:main@sha256:${SHA}`,
  ])('accepts %s', (ref) => expect(IMAGE_REF.test(ref)).toBe(true));
  it.each(['-rf', 'r/x:', 'r/x@sha256:short', 'r/x y', 'R/X'])('rejects %s', (ref) =>
    expect(IMAGE_REF.test(ref)).toBe(false),
  );
});
