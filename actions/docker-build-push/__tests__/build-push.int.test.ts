// Builds the busybox fixture (test/fixtures/build) with buildah through the bundled action, pushes it
// to the stack's registry and checks the result with skopeo: digest, tags, labels, healthcheck, user.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/system/exec';
import { everythingPrinted, REPO_ROOT, runAction } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/build');
const CANARY = `canary-${randomBytes(6).toString('hex')}-pw`;

let registry: string;
let engineFlags: string;
let image: string;
let context: string;
let eventFile: string;
const sha = randomBytes(20).toString('hex');

beforeAll(() => {
  const env = stackEnv();
  registry = env.STACK_REGISTRY!;
  // STACK_BUILDAH is `buildah <global flags>`: the action takes the engine and the flags apart.
  const [name, ...flags] = env.STACK_BUILDAH!.split(/ +/);
  expect(name).toBe('buildah');
  engineFlags = flags.join(' ');
  image = `${registry}/contextai-test/build-push-fixture`;

  // The context: the fixture files plus the machine's static busybox (not committed: 2 MB of binary).
  context = mkdtempSync(join(tmpdir(), 'dbp-context-'));
  for (const file of readdirSync(FIXTURE, { withFileTypes: true }).filter((f) => f.isFile()))
    copyFileSync(join(FIXTURE, file.name), join(context, file.name));
  copyFileSync('/bin/busybox', join(context, 'busybox'));
  writeFileSync(join(context, 'not-in-image.txt'), 'excluded by .dockerignore');
  eventFile = join(context, 'event.json');
  writeFileSync(eventFile, JSON.stringify({ repository: { default_branch: 'main' } }));
});

/** Every ref a test built, removed from the shared storage afterwards. */
const built = new Set<string>();

afterAll(async () => {
  rmSync(context, { recursive: true, force: true });
  if (built.size > 0)
    await runCommand([...stackEnv().STACK_BUILDAH!.split(/ +/), 'rmi', '--force', ...built], {
      allowFailure: true,
    });
});

/** The environment of a push to `main` on GitHub, plus chroot isolation for RUN (no user namespaces here). */
function githubEnv(extra: Record<string, string> = {}) {
  return {
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: sha,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'contextai/delivery',
    BUILDAH_ISOLATION: 'chroot',
    ...extra,
  };
}

async function buildPush(inputs: Record<string, string>, env: Record<string, string>) {
  const result = await runAction('docker-build-push', inputs, { env });
  for (const ref of (result.outputs.tags ?? '').split('\n').filter(Boolean)) built.add(ref);
  return result;
}

function baseInputs(extra: Record<string, string> = {}) {
  return {
    context,
    image,
    engine: 'buildah',
    'engine-flags': engineFlags,
    'insecure-registry': 'true',
    'build-args': 'APP_VERSION=1.2.3-fixture',
    ...extra,
  };
}

/**
 * What a log reader could see: the runner consumes `::add-mask::` commands (they register the
 * mask) and never prints them. The password must be registered as a mask and appear nowhere else.
 */
function expectPasswordHidden(result: Awaited<ReturnType<typeof runAction>>) {
  expect(result.stdout.split('\n')).toContain(`::add-mask::${CANARY}`);
  expect(everythingPrinted(result)).not.toContain(CANARY);
}

async function skopeo(args: string[], allowFailure = false) {
  return runCommand(['skopeo', ...args], { allowFailure, timeoutMs: 60_000 });
}

describe('docker-build-push with buildah against the stack registry', () => {
  it('builds, logs in, pushes every tag and reports the pushed digest', async () => {
    const started = Date.now();
    const result = await buildPush(
      baseInputs({
        tags: 'fixture-extra',
        labels: 'org.opencontainers.image.title=fixture\norg.example.team=delivery',
        username: 'ci-bot',
        password: CANARY,
        'max-size-mb': '50',
      }),
      githubEnv(),
    );
    console.log(`build + push of the fixture: ${Date.now() - started} ms`);
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const short = `sha-${sha.slice(0, 7)}`;
    const refs = ['main', 'latest', short, 'fixture-extra'].map((tag) => `${image}:${tag}`);
    expect(result.outputs.tags!.split('\n')).toEqual(refs);
    const digest = result.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.outputs['image-ref']).toBe(`${image}@${digest}`);

    // Every tag in the registry points at the reported manifest.
    for (const ref of refs) {
      const inspect = JSON.parse((await skopeo(['inspect', '--tls-verify=false', `docker://${ref}`])).stdout);
      expect(inspect.Digest, ref).toBe(digest);
    }
    const raw = (await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${image}@${digest}`]))
      .stdout;
    expect(JSON.parse(raw).mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');

    // --raw: the config blob as pushed (without it skopeo converts to OCI, which has no Healthcheck).
    const config = JSON.parse(
      (await skopeo(['inspect', '--tls-verify=false', '--config', '--raw', `docker://${image}@${digest}`]))
        .stdout,
    );
    expect(config.config.User).toBe('app');
    expect(config.config.Healthcheck.Test).toEqual(['CMD', '/bin/busybox', 'test', '-f', '/version']);
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/contextai/delivery',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.title': 'fixture',
      'org.example.team': 'delivery',
      'org.contextai.fixture': 'docker-build-push',
    });
    expect(Date.parse(config.config.Labels['org.opencontainers.image.created'])).toBeGreaterThan(
      started - 60_000,
    );
    // The build arg reached the RUN step that wrote /version.
    const history = JSON.stringify(config.history);
    expect(history).toContain('APP_VERSION=1.2.3-fixture');

    // Size: busybox (~2 MB) plus a few small files, uncompressed.
    const size = Number(result.outputs['size-bytes']);
    expect(size).toBeGreaterThan(1_900_000);
    expect(size).toBeLessThan(3_000_000);
    expect(result.summary).toContain(digest);
    expect(result.summary).toContain('of 47.7 MiB');

    expectPasswordHidden(result);
  });

  it('fails over the size budget and pushes nothing', async () => {
    const tag = `budget-${randomBytes(4).toString('hex')}`;
    const result = await buildPush(
      baseInputs({ tags: tag, 'max-size-mb': '1' }),
      githubEnv({ GITHUB_REF: 'refs/heads/budget-check' }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/over the budget of 1 MB \(max-size-mb\); it was not pushed/);
    expect(Number(result.outputs['size-bytes'])).toBeGreaterThan(1_000_000);
    expect(result.summary).toContain('over budget');
    const inspect = await skopeo(['inspect', '--tls-verify=false', `docker://${image}:${tag}`], true);
    expect(inspect.code).not.toBe(0);
  });

  it('builds without pushing when push is false', async () => {
    const tag = `local-${randomBytes(4).toString('hex')}`;
    const result = await buildPush(
      baseInputs({ tags: tag, push: 'false' }),
      githubEnv({ GITHUB_REF: 'refs/heads/no-push' }),
    );
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs.digest).toBe('');
    expect(result.outputs.tags).toContain(`${image}:${tag}`);
    const inspect = await skopeo(['inspect', '--tls-verify=false', `docker://${image}:${tag}`], true);
    expect(inspect.code).not.toBe(0);
  });

  it('rejects every bad input at once, before touching the engine', async () => {
    const root = join(tmpdir(), `dbp-never-${randomBytes(4).toString('hex')}`);
    const started = Date.now();
    const result = await buildPush(
      {
        context: join(context, 'missing-dir'),
        image: 'Registry.Example/Bad Name:tag',
        tags: 'ok,-bad',
        'build-args': 'GOOD=1\nnot a build arg',
        engine: 'buildah',
        'engine-flags': `--root ${root} --runroot ${root}-run`,
        'max-size-mb': '-5',
        username: 'ci-bot',
        'insecure-registry': 'maybe',
      },
      githubEnv(),
    );
    expect(result.code).toBe(1);
    const message = result.stdout;
    for (const name of [
      'image',
      'tags',
      'build-args',
      'max-size-mb',
      'password',
      'insecure-registry',
      'context',
    ])
      expect(message).toContain(`\`${name}\``);
    expect(existsSync(root)).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('never prints the password when the login fails', async () => {
    const result = await buildPush(
      baseInputs({ registry: '127.0.0.1:1', username: 'ci-bot', password: CANARY, tags: 'login-fails' }),
      githubEnv({ GITHUB_REF: 'refs/heads/login-fails' }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/login/);
    expectPasswordHidden(result);
  });
});
