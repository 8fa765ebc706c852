import { describe, expect, it } from 'vitest';
import { cliEnv, planSteps, type UploadSettings } from '../plan';

const inputs: UploadSettings = {
  url: 'https://sentry.example.com/',
  org: 'contextai',
  project: 'contextai-api',
  authToken: 'sntryu_' + 'f'.repeat(64),
  release: 'api@1.2.3',
  environment: 'staging',
  paths: ['/w/dist/api', '/w/dist/web'],
  urlPrefix: '~/app/',
  inject: true,
  finalize: true,
  deploy: true,
};
const scope = ['--org', 'contextai', '--project', 'contextai-api'];

describe('planSteps', () => {
  it('injects, creates the release, uploads with --wait and --strict, finalizes, records the deploy', () => {
    const steps = planSteps('/t/sentry-cli', inputs);
    expect(steps.map((s) => [s.kind, s.argv, s.retry])).toEqual([
      ['inject', ['/t/sentry-cli', 'sourcemaps', 'inject', '/w/dist/api', '/w/dist/web'], 'any'],
      ['release', ['/t/sentry-cli', 'releases', 'new', ...scope, '--', 'api@1.2.3'], 'any'],
      [
        'upload',
        [
          '/t/sentry-cli',
          'sourcemaps',
          'upload',
          ...scope,
          '--release=api@1.2.3',
          '--url-prefix',
          '~/app/',
          '--wait',
          '--strict',
          '/w/dist/api',
          '/w/dist/web',
        ],
        'any',
      ],
      ['finalize', ['/t/sentry-cli', 'releases', 'finalize', ...scope, '--', 'api@1.2.3'], 'any'],
      [
        'deploy',
        ['/t/sentry-cli', 'deploys', 'new', ...scope, '--release=api@1.2.3', '--env', 'staging'],
        'connect',
      ],
    ]);
    for (const step of steps) expect(step.argv.join(' ')).not.toContain(inputs.authToken);
  });

  it('without a release uploads by debug ID only; without paths only finalizes and deploys', () => {
    const { release: _r, ...noRelease } = inputs;
    const steps = planSteps('cli', { ...noRelease, finalize: false, deploy: false });
    expect(steps.map((s) => s.kind)).toEqual(['inject', 'upload']);
    expect(steps[1]!.argv.some((a) => a.startsWith('--release'))).toBe(false);
    expect(planSteps('cli', { ...inputs, paths: [], inject: false }).map((s) => s.kind)).toEqual([
      'release',
      'finalize',
      'deploy',
    ]);
  });
});

describe('cliEnv', () => {
  it('builds the whole environment: token and target by variable, no inherited SENTRY_*, proxies kept', () => {
    const env = cliEnv(inputs, '/tmp/home', {
      PATH: '/usr/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      SSL_CERT_FILE: '/etc/ssl/ca.pem',
      SENTRY_ALLOW_FAILURE: '1',
      SENTRY_PROPERTIES: '/x/sentry.properties',
      SENTRY_URL: 'https://elsewhere.example.com',
      GITHUB_TOKEN: 'ghs_secret',
      HOME: '/root',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      SSL_CERT_FILE: '/etc/ssl/ca.pem',
      HOME: '/tmp/home',
      SENTRY_URL: 'https://sentry.example.com/',
      SENTRY_AUTH_TOKEN: inputs.authToken,
      SENTRY_ORG: 'contextai',
      SENTRY_PROJECT: 'contextai-api',
      SENTRY_LOAD_DOTENV: '0',
      SENTRY_DISABLE_UPDATE_CHECK: 'true',
      SENTRY_HTTP_MAX_RETRIES: '5',
      SENTRY_LOG_LEVEL: 'warn',
    });
  });
});
