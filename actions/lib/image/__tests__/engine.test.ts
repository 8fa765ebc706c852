import { describe, expect, it } from 'vitest';
import {
  buildArgv,
  inspectArgv,
  loginArgv,
  parseDockerPushDigest,
  parseSize,
  pushArgv,
  type Engine,
} from '../engine';
import { webUrl } from '../git-context';
import { OCI, ociLabels, parseKeyValues } from '../labels';

const buildah: Engine = { name: 'buildah', prefix: ['buildah', '--storage-driver', 'vfs', '--root', '/r'] };
const docker: Engine = { name: 'docker', prefix: ['docker'] };
const spec = {
  context: '/src/app',
  file: '/src/app/Dockerfile',
  refs: ['r/x:main', 'r/x:sha-0123456'],
  buildArgs: { NODE_VERSION: '20', QUOTE: "a'b c" },
  labels: { 'org.example.team': 'core' },
  iidFile: '/tmp/iid',
  insecure: false,
};

describe('buildArgv', () => {
  it('asks buildah for the Docker format and keeps every value one argument', () => {
    expect(buildArgv(buildah, spec)).toEqual([
      ...buildah.prefix,
      'build',
      '--file',
      '/src/app/Dockerfile',
      '--iidfile',
      '/tmp/iid',
      '--format',
      'docker',
      '--tag',
      'r/x:main',
      '--tag',
      'r/x:sha-0123456',
      '--build-arg',
      'NODE_VERSION=20',
      '--build-arg',
      "QUOTE=a'b c",
      '--label',
      'org.example.team=core',
      '/src/app',
    ]);
  });

  it('pulls base images from an insecure registry without TLS verification', () => {
    expect(buildArgv(buildah, { ...spec, insecure: true })).toContain('--tls-verify=false');
    expect(buildArgv(docker, { ...spec, insecure: true })).not.toContain('--tls-verify=false');
  });

  it('does not pass --format to docker, whose images are Docker format already', () => {
    expect(buildArgv(docker, spec)).not.toContain('--format');
  });
});

describe('login and push', () => {
  const access = { credentials: '/tmp/w/auth.json', insecure: true };

  it('reads the password from stdin, never from argv', () => {
    const argv = loginArgv(buildah, '127.0.0.1:5000', 'ci', access);
    expect(argv).toContain('--password-stdin');
    expect(argv).not.toContain('--password');
    expect(argv).toEqual([
      ...buildah.prefix,
      'login',
      '--authfile',
      '/tmp/w/auth.json',
      '--tls-verify=false',
      '--username',
      'ci',
      '--password-stdin',
      '127.0.0.1:5000',
    ]);
  });

  it('puts docker credentials in a config dir passed before the subcommand', () => {
    expect(loginArgv(docker, 'ghcr.io', 'ci', { credentials: '/tmp/w/cfg', insecure: false })).toEqual([
      'docker',
      '--config',
      '/tmp/w/cfg',
      'login',
      '--username',
      'ci',
      '--password-stdin',
      'ghcr.io',
    ]);
  });

  it('pushes with buildah to a docker:// destination and records the digest', () => {
    expect(pushArgv(buildah, 'r/x:main', access, '/tmp/w/d0')).toEqual([
      ...buildah.prefix,
      'push',
      '--authfile',
      '/tmp/w/auth.json',
      '--tls-verify=false',
      '--digestfile',
      '/tmp/w/d0',
      'r/x:main',
      'docker://r/x:main',
    ]);
  });

  it('uses the default credentials when there is no login', () => {
    expect(pushArgv(buildah, 'r/x:main', { insecure: false }, '/d')).not.toContain('--authfile');
    expect(pushArgv(docker, 'r/x:main', { insecure: false }, '/d')).toEqual(['docker', 'push', 'r/x:main']);
  });

  it('reads the digest from docker push output', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseDockerPushDigest(`main: digest: ${digest} size: 528\n`)).toBe(digest);
    expect(parseDockerPushDigest('denied')).toBeUndefined();
  });
});

describe('size', () => {
  it('sums the uncompressed layers of buildah’s stored manifest', () => {
    const manifest = JSON.stringify({
      config: { size: 2812 },
      layers: [{ size: 2_128_896 }, { size: 1_000 }],
    });
    expect(parseSize(buildah, manifest)).toBe(2_129_896);
    expect(inspectArgv(buildah, 'abc')).toEqual([
      ...buildah.prefix,
      'inspect',
      '--type',
      'image',
      '--format',
      '{{.Manifest}}',
      'abc',
    ]);
  });

  it('takes docker’s and podman’s Size as is', () => {
    expect(parseSize(docker, '123456\n')).toBe(123456);
    expect(parseSize(docker, '<no value>')).toBeUndefined();
    expect(parseSize(buildah, 'not json')).toBeUndefined();
  });
});

describe('labels', () => {
  it('adds the OCI labels that are known', () => {
    const created = new Date('2026-11-27T10:00:00Z');
    expect(ociLabels({ sha: 'abc', sourceUrl: 'https://github.com/o/r' }, '1.2.3', created)).toEqual({
      [OCI.source]: 'https://github.com/o/r',
      [OCI.revision]: 'abc',
      [OCI.version]: '1.2.3',
      [OCI.created]: '2026-11-27T10:00:00.000Z',
    });
    expect(Object.keys(ociLabels({}, undefined, created))).toEqual([OCI.created]);
  });

  it('splits KEY=value at the first =', () => {
    expect(parseKeyValues(['A=1', 'URL=postgres://u@h/db?x=y', 'EMPTY='])).toEqual({
      A: '1',
      URL: 'postgres://u@h/db?x=y',
      EMPTY: '',
    });
  });

  it('turns remotes into web URLs without credentials', () => {
    expect(webUrl('git@github.com:org/repo.git')).toBe('https://github.com/org/repo');
    expect(webUrl('https://x-access-token:s3cret@github.com/org/repo.git')).toBe(
      'https://github.com/org/repo',
    );
    expect(webUrl('/local/path')).toBeUndefined();
  });
});
