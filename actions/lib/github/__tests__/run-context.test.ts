import { context as loaded } from '@actions/github';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { restApiUrl, runId, runRepository } from '../run-context';

afterEach(() => vi.unstubAllEnvs());

/** A new @actions/github context (its own class), hydrated from exactly these runner variables. */
function contextFrom(env: Record<string, string | undefined>) {
  for (const name of ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID', 'GITHUB_API_URL', 'GITHUB_EVENT_PATH'])
    vi.stubEnv(name, env[name]);
  const Context = loaded.constructor as new () => typeof loaded;
  return new Context();
}

describe('run context', () => {
  it('reads the repository, run id and API URL of a runner', () => {
    const github = contextFrom({
      GITHUB_REPOSITORY: 'contextai/delivery',
      GITHUB_RUN_ID: '4242',
      GITHUB_API_URL: 'https://ghe.example/api/v3',
    });
    expect(runRepository(github)).toBe('contextai/delivery');
    expect(runId(github)).toBe('4242');
    expect(restApiUrl(github)).toBe('https://ghe.example/api/v3');
  });

  it('is empty outside a runner, with GitHub.com as the API', () => {
    const github = contextFrom({});
    expect(runRepository(github)).toBe('');
    expect(runId(github)).toBe('');
    expect(restApiUrl(github)).toBe('https://api.github.com');
  });
});
