// The Deployments client against the strict local GitHub API (test/fake-github.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../../../test/fake-github';
import {
  findSuccessfulDeployment,
  setDeploymentStatus,
  startDeployment,
  type GitHubTarget,
} from '../deployments';

const TOKEN = 'ghs_deployments_test_token';
const digest = (app: string, n: number) =>
  `127.0.0.1:5000/contextai/contextai-${app}@sha256:${String(n).repeat(64).slice(0, 64)}`;
const payload = (version: string, n: number) => ({
  version,
  images: { api: digest('api', n), web: digest('web', n) },
});

let github: FakeGitHub;
let target: GitHubTarget;

beforeAll(async () => {
  github = new FakeGitHub(TOKEN);
  target = { token: TOKEN, repository: 'contextai/delivery', apiUrl: await github.start() };
  github.refs.set('develop', 'd'.repeat(40));
});
afterAll(() => github.stop());

describe('GitHub deployments', () => {
  it('records a deployment with its digests, in_progress then success, and finds it for promotion', async () => {
    const id = await startDeployment(target, {
      ref: 'develop',
      environment: 'staging',
      payload: payload('sha-aaaaaaa', 1),
      environmentUrl: 'https://staging.contextai.example',
      logUrl: 'https://github.com/contextai/delivery/actions/runs/1',
    });
    const recorded = github.deployments.find((d) => d.id === id)!;
    expect(recorded).toMatchObject({
      sha: 'd'.repeat(40),
      environment: 'staging',
      production_environment: false,
    });
    expect(recorded.payload).toEqual(payload('sha-aaaaaaa', 1));
    expect(recorded.statuses[0]).toMatchObject({
      state: 'in_progress',
      environment_url: 'https://staging.contextai.example',
    });

    await setDeploymentStatus(target, id, 'success', { environmentUrl: 'https://staging.contextai.example' });
    const found = await findSuccessfulDeployment(target, 'staging', 'sha-aaaaaaa');
    expect(found).toMatchObject({ id, sha: 'd'.repeat(40), payload: payload('sha-aaaaaaa', 1) });
  });

  it('still finds a success that a newer deployment made inactive', async () => {
    const newer = await startDeployment(target, {
      ref: 'd'.repeat(40),
      environment: 'staging',
      payload: payload('sha-bbbbbbb', 2),
    });
    await setDeploymentStatus(target, newer, 'success');
    const older = github.deployments.find(
      (d) => (d.payload as { version: string }).version === 'sha-aaaaaaa',
    )!;
    expect(older.statuses[0]!.state).toBe('inactive'); // GitHub's auto_inactive
    expect((await findSuccessfulDeployment(target, 'staging', 'sha-aaaaaaa')).payload.images.api).toBe(
      digest('api', 1),
    );
  });

  it('refuses, saying why, a version never deployed there or one that never succeeded', async () => {
    await expect(findSuccessfulDeployment(target, 'staging', 'sha-ccccccc')).rejects.toThrow(
      /no staging deployment of version sha-ccccccc is recorded/,
    );
    const failed = await startDeployment(target, {
      ref: 'develop',
      environment: 'staging',
      payload: payload('sha-ddddddd', 3),
    });
    await setDeploymentStatus(target, failed, 'failure');
    await expect(findSuccessfulDeployment(target, 'staging', 'sha-ddddddd')).rejects.toThrow(
      new RegExp(`never succeeded there: #${failed} \\(failure\\)`),
    );
    // A production deployment of a version is no evidence for staging.
    const prod = await startDeployment(target, {
      ref: 'develop',
      environment: 'production',
      payload: payload('sha-eeeeeee', 4),
    });
    await setDeploymentStatus(target, prod, 'success');
    await expect(findSuccessfulDeployment(target, 'staging', 'sha-eeeeeee')).rejects.toThrow(
      /no staging deployment/,
    );
  });

  it('refuses images that are not pinned by digest before any request, and a bad token is an error', async () => {
    const before = github.requests.length;
    await expect(
      startDeployment(target, {
        ref: 'develop',
        environment: 'staging',
        payload: { version: '1.0.0', images: { api: 'registry/contextai-api:1.0.0', web: digest('web', 5) } },
      }),
    ).rejects.toThrow(/api image is not pinned by digest/);
    expect(github.requests.length).toBe(before);
    await expect(
      findSuccessfulDeployment({ ...target, token: 'wrong' }, 'staging', 'sha-aaaaaaa'),
    ).rejects.toThrow(/Bad credentials/);
  });
});
