// Builds the real API image (apps/api/Dockerfile on the local Node base from scripts/base-image)
// through the bundled action with buildah, pushes it to the stack registry and inspects it with skopeo.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/system/exec';
import { REPO_ROOT, runAction } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';

const API_BUDGET_MB = 500; // the seed's budget for the API image
let buildah: string[];
let registry: string;
let built: string[] = [];

beforeAll(async () => {
  const env = stackEnv();
  buildah = env.STACK_BUILDAH!.split(/ +/);
  registry = env.STACK_REGISTRY!;
  // Idempotent: pushes <registry>/contextai/node-base:<node major> only when it is missing or outdated.
  await runCommand(['bash', 'scripts/base-image'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    timeoutMs: 600_000,
  });
});

afterAll(async () => {
  if (built.length > 0) await runCommand([...buildah, 'rmi', '--force', ...built], { allowFailure: true });
});

describe('the API image built by docker-build-push', () => {
  it('builds, pushes and carries user, healthcheck, labels and a size within budget', async () => {
    const sha = randomBytes(20).toString('hex');
    const image = `${registry}/contextai-test/api`;
    const started = Date.now();
    const result = await runAction(
      'docker-build-push',
      {
        context: '.',
        file: 'apps/api/Dockerfile',
        image,
        engine: 'buildah',
        'engine-flags': buildah.slice(1).join(' '),
        'insecure-registry': 'true',
        'max-size-mb': String(API_BUDGET_MB),
        'build-args': `BASE_IMAGE=${registry}/contextai/node-base:${process.versions.node.split('.')[0]}\nVERSION=9.9.9-test\nREVISION=${sha}`,
      },
      {
        env: {
          BUILDAH_ISOLATION: 'chroot',
          GITHUB_REF: 'refs/tags/v9.9.9',
          GITHUB_SHA: sha,
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'contextai/delivery',
        },
        timeoutMs: 900_000,
      },
    );
    built = (result.outputs.tags ?? '').split('\n').filter(Boolean);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`api image: ${result.outputs['size-bytes']} bytes uncompressed, build + push ${seconds} s`);
    expect(result.code, result.stdout.slice(-4000)).toBe(0);
    expect(built).toEqual([`${image}:9.9.9`, `${image}:9.9`, `${image}:sha-${sha.slice(0, 7)}`]);

    const digest = result.outputs.digest!;
    const inspect = JSON.parse(
      (await runCommand(['skopeo', 'inspect', '--tls-verify=false', `docker://${image}:9.9.9`])).stdout,
    );
    expect(inspect.Digest).toBe(digest);
    const config = JSON.parse(
      (
        await runCommand([
          'skopeo',
          'inspect',
          '--tls-verify=false',
          '--config',
          '--raw',
          `docker://${image}@${digest}`,
        ])
      ).stdout,
    );
    expect(config.config.User).toBe('node');
    expect(config.config.Healthcheck?.Test?.length).toBeGreaterThan(1);
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/contextai/delivery',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': '9.9.9',
    });
    expect(Number(result.outputs['size-bytes'])).toBeLessThan(API_BUDGET_MB * 1_000_000);
  });
});
