// rollback, bundled, against the stack: sshd (deploy user), podman via sudo, the registry and nginx.
// deploy-ssh puts three releases in place (v1, v2, v3 retained); each case then rolls back and
// checks what serves, state.json, the audit log and that nothing was pulled.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, type DeployFixture } from '../../../test/deploy-fixture';
import { buildTestImage, currentVersion, type TestImage } from '../../../test/deploy-load';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';

const stack = stackEnv();
let fx: DeployFixture;
const images: TestImage[] = [];

const podman = (...args: string[]) => {
  const engine = stack.STACK_PODMAN!.split(/\s+/);
  return spawnSync(engine[0]!, [...engine.slice(1), ...args], { encoding: 'utf8' });
};
const rollback = (extra: Record<string, string> = {}) => runAction('rollback', { ...fx.inputs, ...extra });
const appFile = (name: string) => readFileSync(join(fx.root, fx.app, name), 'utf8');
const state = () =>
  JSON.parse(appFile('state.json')) as { current: { version: string }; retained: { version: string }[] };
const retained = () => state().retained.map((r) => r.version);
const lastAudit = () =>
  JSON.parse(appFile('releases.log').trim().split('\n').at(-1)!) as Record<string, unknown>;
function expectNoKey(run: ActionRun): void {
  expect(everythingPrinted(run)).not.toContain(fx.inputs['private-key']!.split('\n')[1]!);
}

beforeAll(async () => {
  fx = await deployFixture(stack, 'rollback-int', '3221,3222');
  for (const version of ['v1', 'v2', 'v3']) {
    const image = buildTestImage(stack, `rollbacktest/${process.pid}`, version);
    // Like a host that only pulls: drop the build's own copy from the shared storage.
    podman('image', 'rm', `${stack.STACK_REGISTRY}/rollbacktest/${process.pid}:${version}`);
    images.push(image);
    const run = await runAction('deploy-ssh', { ...fx.inputs, image: image.ref, version });
    expect(run.code, run.stdout).toBe(0);
  }
  expect(await currentVersion(fx.siteUrl)).toBe('v3');
  expect(retained()).toEqual(['v2', 'v1']);
});

afterAll(() => {
  fx?.cleanup();
  for (const image of images) podman('image', 'rm', image.ref);
});

describe('rollback', () => {
  it('refuses bad inputs before any connection, naming each one', async () => {
    const run = await rollback({ version: 'v1;reboot', engine: 'podman $(id)', hosts: '' });
    expect(run.code).toBe(1);
    for (const input of ['version', 'engine', 'hosts']) expect(run.stdout).toContain(`\`${input}\``);
    expect(lastAudit()).toMatchObject({ action: 'deploy', version: 'v3' });
  });

  it('boots an older retained release on the free slot by image id, without a pull', async () => {
    const run = await rollback({ version: 'v1' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ version: 'v1', 'previous-version': 'v3' });
    expect(run.stdout).not.toMatch(/pulled/);
    expect(await currentVersion(fx.siteUrl)).toBe('v1');
    expect(state().current.version).toBe('v1');
    expect(retained()).toEqual(['v3', 'v2']);
    expect(appFile('current').trim()).toBe('v1');
    expect(lastAudit()).toMatchObject({
      action: 'rollback',
      version: 'v1',
      previous: 'v3',
      result: 'success',
    });
    expect(run.summary).toContain('Rollback');
    expectNoKey(run);
  });

  it('without a version, goes to the newest successful release other than the one serving', async () => {
    const run = await rollback();
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ version: 'v3', 'previous-version': 'v1' });
    expect(await currentVersion(fx.siteUrl)).toBe('v3');
    expect(retained()).toEqual(['v1', 'v2']);
  });

  it('leaves a host that already serves the version as it is', async () => {
    const before = appFile('upstream.conf');
    const run = await rollback({ version: 'v3' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('proxy switched');
    expect(lastAudit()).toMatchObject({ action: 'rollback', version: 'v3', result: 'unchanged' });
    expect(appFile('upstream.conf')).toBe(before);
    expect(await currentVersion(fx.siteUrl)).toBe('v3');
  });

  it('refuses a retained release whose container is gone, changing nothing', async () => {
    expect(podman('rm', '--force', `${fx.app}-v2`).status).toBe(0);
    const run = await rollback({ version: 'v2' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('version v2 is not retained on');
    expect(await currentVersion(fx.siteUrl)).toBe('v3');
    expect(state().current.version).toBe('v3');
    expect(lastAudit()).toMatchObject({ action: 'rollback', version: 'v2', result: 'failed' });
    expect(existsSync(join(fx.root, fx.app, 'lock'))).toBe(false);
  });
});
