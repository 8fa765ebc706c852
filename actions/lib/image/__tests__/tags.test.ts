import { describe, expect, it } from 'vitest';
import { IMAGE_NAME, registryOf } from '../image-name';
import { defaultTags, imageRefs, parseSemver, sanitizeTag, versionOf } from '../tags';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('defaultTags', () => {
  it('tags a default-branch build with the branch, latest and the short sha', () => {
    expect(defaultTags({ ref: 'refs/heads/main', sha: SHA, defaultBranch: 'main' })).toEqual([
      'main',
      'latest',
      'sha-0123456',
    ]);
  });

  it('gives latest to no other branch, and none when the default branch is unknown', () => {
    expect(defaultTags({ ref: 'refs/heads/develop', sha: SHA, defaultBranch: 'main' })).toEqual([
      'develop',
      'sha-0123456',
    ]);
    expect(defaultTags({ ref: 'refs/heads/main', sha: SHA })).toEqual(['main', 'sha-0123456']);
  });

  it('makes branch names tag-safe', () => {
    expect(defaultTags({ ref: 'refs/heads/feature/Login+SSO', sha: SHA })).toEqual([
      'feature-Login-SSO',
      'sha-0123456',
    ]);
  });

  it('turns a v-semver git tag into version and major.minor, never latest', () => {
    expect(defaultTags({ ref: 'refs/tags/v1.2.3', sha: SHA, defaultBranch: 'main' })).toEqual([
      '1.2.3',
      '1.2',
      'sha-0123456',
    ]);
  });

  it('gives a pre-release only its full version', () => {
    expect(defaultTags({ ref: 'refs/tags/v2.0.0-rc.1', sha: SHA })).toEqual(['2.0.0-rc.1', 'sha-0123456']);
  });

  it('drops build metadata, which a tag cannot hold', () => {
    expect(defaultTags({ ref: 'refs/tags/v1.0.0+build.7', sha: SHA })).toEqual([
      '1.0.0',
      '1.0',
      'sha-0123456',
    ]);
  });

  it('uses other git tags as they are, made tag-safe', () => {
    expect(defaultTags({ ref: 'refs/tags/release/2026-11', sha: SHA })).toEqual([
      'release-2026-11',
      'sha-0123456',
    ]);
    expect(defaultTags({ ref: 'refs/tags/1.2.3', sha: SHA })).toEqual(['1.2.3', 'sha-0123456']);
  });

  it('tags a pull request pr-<n>', () => {
    expect(defaultTags({ ref: 'refs/pull/42/merge', sha: SHA })).toEqual(['pr-42', 'sha-0123456']);
  });

  it('has only the sha without a ref, and nothing without a commit', () => {
    expect(defaultTags({ sha: SHA })).toEqual(['sha-0123456']);
    expect(defaultTags({})).toEqual([]);
  });
});

describe('parseSemver', () => {
  it.each([
    ['v1.2.3', '1.2.3', undefined],
    ['1.2.3', '1.2.3', undefined],
    ['v10.20.30-alpha.1', '10.20.30-alpha.1', 'alpha.1'],
  ])('%s', (text, version, prerelease) => {
    expect(parseSemver(text)).toMatchObject({ version, prerelease });
  });

  it.each(['v1.2', 'v01.2.3', 'v1.2.3-', 'v1.2.3.4', 'release-1.2.3'])('rejects %s', (text) => {
    expect(parseSemver(text)).toBeUndefined();
  });
});

describe('sanitizeTag', () => {
  it.each([
    ['main', 'main'],
    ['feature/x', 'feature-x'],
    ['..hidden', 'hidden'],
    ['-dash', 'dash'],
    ['a//b  c', 'a-b-c'],
    ['ünïcode', 'n-code'],
  ])('%s → %s', (input, output) => expect(sanitizeTag(input)).toBe(output));

  it('keeps at most 128 characters', () => {
    expect(sanitizeTag('x'.repeat(300))).toHaveLength(128);
  });

  it('gives up on text with nothing usable', () => {
    expect(sanitizeTag('///')).toBeUndefined();
  });
});

describe('versionOf', () => {
  it('is the semver, the branch or the short sha', () => {
    expect(versionOf({ ref: 'refs/tags/v3.1.4', sha: SHA })).toBe('3.1.4');
    expect(versionOf({ ref: 'refs/heads/develop', sha: SHA })).toBe('develop');
    expect(versionOf({ sha: SHA })).toBe('sha-0123456');
  });
});

describe('image names', () => {
  it.each([
    'ghcr.io/org/api',
    '127.0.0.1:5000/contextai/api',
    'localhost:5000/a',
    'library/node',
    'node',
    'a.b/c__d/e-f',
  ])('accepts %s', (name) => expect(IMAGE_NAME.test(name)).toBe(true));

  it.each([
    'GHCR.io/Org/Api',
    'ghcr.io/org/api:tag',
    'ghcr.io/org/api@sha256:00',
    'a b',
    '-x',
    'org/api;rm -rf /',
    '',
  ])('rejects %s', (name) => expect(IMAGE_NAME.test(name)).toBe(false));

  it('finds the registry the way docker does', () => {
    expect(registryOf('ghcr.io/org/api')).toBe('ghcr.io');
    expect(registryOf('127.0.0.1:5000/x/y')).toBe('127.0.0.1:5000');
    expect(registryOf('localhost/x')).toBe('localhost');
    expect(registryOf('org/api')).toBe('docker.io');
    expect(registryOf('node')).toBe('docker.io');
  });

  it('makes one ref per distinct tag', () => {
    expect(imageRefs('r/x', ['a', 'b', 'a'])).toEqual(['r/x:a', 'r/x:b']);
  });
});
