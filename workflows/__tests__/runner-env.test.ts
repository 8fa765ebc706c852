import { describe, expect, it } from 'vitest';
import { runnerEnvironment } from '../src/run/runner-env';

describe('runnerEnvironment', () => {
  it("keeps the machine's basics and network trust, drops the rest of the operator's shell", () => {
    const env = runnerEnvironment(
      { BUILDAH_LAYERS: 'true' },
      {
        PATH: '/usr/bin',
        HOME: '/root',
        NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
        HTTPS_PROXY: 'http://proxy.internal:3128',
        AWS_SECRET_ACCESS_KEY: 'from-the-shell',
        GITHUB_TOKEN: 'ghp_operator',
      },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
      HTTPS_PROXY: 'http://proxy.internal:3128',
      BUILDAH_LAYERS: 'true',
    });
  });

  it('adds nothing for settings the machine does not have (a GitHub-hosted runner)', () => {
    expect(runnerEnvironment({}, { PATH: '/usr/bin' })).toEqual({ PATH: '/usr/bin' });
  });
});
