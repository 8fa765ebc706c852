// Both app images (apps/api/Dockerfile, apps/web/Dockerfile) built by the docker-build-push action
// (engine buildah, on the local Node base from scripts/base-image), pushed to the stack's registry,
// inspected with skopeo and run with podman against the stack.
// Run: npx vitest run --project integration apps/api/__tests__/images.int.test.ts
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { startJwksServer } from '../../../test/jwks-server';
import { REPO_ROOT, runAction } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';
import { describeScrapedDeploy } from './scraped-deploy';
import { createDatabase, eventually, freePort, waitForHttp } from './support';

const BUDGET_MB = { api: 500, web: 300 }; // the seed's budgets
// One build with buildah on vfs storage takes 2-4 minutes on an idle 2-core machine, several times
// that while other builds share the machine and the npm cache mount (sharing=locked).
const BUILD_TIMEOUT_MS = 1_200_000;
const RUN_FLAGS = ['--network', 'host', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const sha = randomBytes(20).toString('hex');
const version = '2.0.0';
const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const source = 'https://github.com/contextai/delivery';

let env: Record<string, string>;
let buildah: string[];
let podman: string[];
let db: Awaited<ReturnType<typeof createDatabase>>;
const built: string[] = [];
const containers: string[] = [];
const images: Record<'api' | 'web', { ref: string; tag: string }> = {} as never;

beforeAll(async () => {
  env = stackEnv();
  buildah = env.STACK_BUILDAH!.split(/ +/);
  podman = env.STACK_PODMAN!.split(/ +/);
  const started = Date.now();
  const base = await runCommand(['bash', 'scripts/base-image'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    timeoutMs: 600_000,
  });
  console.log(`${base.stdout.trim()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  db = await createDatabase('images_it');
});

afterAll(async () => {
  for (const name of containers)
    await runCommand([...podman, 'rm', '--force', '--time', '5', name], { allowFailure: true });
  if (built.length > 0) await runCommand([...buildah, 'rmi', '--force', ...built], { allowFailure: true });
  await db?.drop();
});

async function buildWithAction(app: 'api' | 'web') {
  const image = `${env.STACK_REGISTRY}/contextai/${app}`;
  const started = Date.now();
  const result = await runAction(
    'docker-build-push',
    {
      context: '.',
      file: `apps/${app}/Dockerfile`,
      image,
      engine: 'buildah',
      'engine-flags': buildah.slice(1).join(' '),
      'insecure-registry': 'true',
      'max-size-mb': String(BUDGET_MB[app]),
      'default-branch': 'main',
      'build-args': [
        `BASE_IMAGE=${env.STACK_REGISTRY}/contextai/node-base:${process.versions.node.split('.')[0]}`,
        `VERSION=${version}`,
        `REVISION=${sha}`,
        `CREATED=${created}`,
        `SOURCE=${source}`,
      ].join('\n'),
    },
    {
      env: {
        BUILDAH_ISOLATION: 'chroot', // no user namespaces on these machines
        BUILDAH_LAYERS: 'true', // reuse unchanged layers (npm ci) between builds
        GITHUB_REF: `refs/tags/v${version}`,
        GITHUB_SHA: sha,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'contextai/delivery',
      },
      timeoutMs: BUILD_TIMEOUT_MS,
    },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  expect(result.code, result.stdout.slice(-4000) + result.stderr.slice(-2000)).toBe(0);
  const tags = (result.outputs.tags ?? '').split('\n').filter(Boolean);
  built.push(...tags);
  const tag = `${image}:sha-${sha.slice(0, 7)}`;
  expect(tags).toContain(tag);
  images[app] = { ref: result.outputs['image-ref']!, tag };

  const config = JSON.parse(
    (
      await runCommand([
        'skopeo',
        'inspect',
        '--tls-verify=false',
        '--config',
        '--raw',
        `docker://${images[app].ref}`,
      ])
    ).stdout,
  ) as {
    config: {
      User?: string;
      Healthcheck?: { Test?: string[] };
      Labels?: Record<string, string>;
      ExposedPorts?: object;
    };
  };
  const manifest = JSON.parse(
    (await runCommand(['skopeo', 'inspect', '--tls-verify=false', '--raw', `docker://${images[app].ref}`]))
      .stdout,
  ) as { layers: { size: number }[] };
  const compressed = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
  const uncompressed = Number(result.outputs['size-bytes']);
  console.log(
    `${app} image: ${(uncompressed / 1e6).toFixed(1)} MB uncompressed, ${(compressed / 1e6).toFixed(1)} MB compressed, build + push ${seconds} s`,
  );
  return { config: config.config, uncompressed };
}

function expectImageConfig(config: Awaited<ReturnType<typeof buildWithAction>>['config']) {
  expect(config.User).toBe('node');
  expect(config.Healthcheck?.Test?.[0]).toBe('CMD');
  expect(config.ExposedPorts).toHaveProperty('3000/tcp');
  expect(config.Labels).toMatchObject({
    'org.opencontainers.image.source': source,
    'org.opencontainers.image.revision': sha,
    'org.opencontainers.image.version': version,
  });
  // docker-build-push labels the build time itself; the CREATED build arg goes to /version.
  expect(Date.parse(config.Labels?.['org.opencontainers.image.created'] ?? '')).not.toBeNaN();
}

async function podmanRun(
  name: string,
  image: string,
  envVars: Record<string, string>,
  command: string[] = [],
) {
  containers.push(name);
  const flags = Object.entries(envVars).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await runCommand([...podman, 'run', '-d', '--name', name, ...RUN_FLAGS, ...flags, image, ...command]);
}

describe('the app images', () => {
  it(
    'api: builds through docker-build-push, pushes, non-root with healthcheck and labels, within budget',
    async () => {
      const { config, uncompressed } = await buildWithAction('api');
      expectImageConfig(config);
      expect(config.Healthcheck?.Test?.join(' ')).toContain('/api/health');
      expect(uncompressed).toBeLessThan(BUDGET_MB.api * 1e6);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'web: builds through docker-build-push, pushes, non-root with healthcheck and labels, within budget',
    async () => {
      const { config, uncompressed } = await buildWithAction('web');
      expectImageConfig(config);
      expect(config.Healthcheck?.Test?.join(' ')).toContain('/healthz');
      expect(uncompressed).toBeLessThan(BUDGET_MB.web * 1e6);
    },
    BUILD_TIMEOUT_MS,
  );

  it('api image migrates, answers /api/health/ready and /api/version against the stack, and stops cleanly', async () => {
    const migration = await runCommand([
      ...podman,
      'run',
      '--rm',
      ...RUN_FLAGS,
      '-e',
      `DATABASE_URL=${db.url}`,
      images.api.tag,
      'npm',
      'run',
      'migration:run',
    ]);
    expect(migration.stdout).toContain('2 migration(s) applied');

    const port = await freePort();
    const metricsPort = await freePort();
    const name = `contextai-api-it-${sha.slice(0, 8)}`;
    // Writes need a token checked against a JWKS (jose, an ES module, loads in the image's Node).
    const issuer = await startJwksServer();
    await podmanRun(name, images.api.tag, {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: db.url,
      REDIS_URL: env.STACK_REDIS_URL!,
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
    });
    const base = `http://127.0.0.1:${port}/api`;
    await waitForHttp(`${base}/health/ready`, undefined, 60_000);
    // Telemetry in the image: metrics on their own port, JSON log lines carrying the image's version.
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain(
      '# TYPE http_requests_total',
    );
    const logs = await runCommand([...podman, 'logs', name]);
    const first = JSON.parse(logs.stdout.split('\n')[0]!) as { service: string; version: string };
    expect(first).toMatchObject({ service: 'contextai-api', version });
    expect(await (await fetch(`${base}/version`)).json()).toEqual({
      version,
      revision: sha,
      builtAt: created,
    });
    const created201 = await fetch(`${base}/sectors/images/knowledge-sources`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await issuer.sign({ permissions: ['write:knowledge-sources'] })}`,
      },
      body: JSON.stringify({ title: 'From the image', kind: 'faq' }),
    });
    expect(created201.status).toBe(201);
    await issuer.close();
    // The image's HEALTHCHECK command itself passes inside the container.
    await eventually(
      async () =>
        (await runCommand([...podman, 'healthcheck', 'run', name], { allowFailure: true })).code === 0,
      30_000,
    );

    process.env.IMAGES_IT_API_URL = `http://127.0.0.1:${port}`; // the web image's API_URL (an origin)
  });

  it('web image serves its status page from the api container, and no source maps', async () => {
    const apiUrl = process.env.IMAGES_IT_API_URL!;
    const port = await freePort();
    const metricsPort = await freePort();
    const name = `contextai-web-it-${sha.slice(0, 8)}`;
    await podmanRun(name, images.web.tag, {
      PORT: String(port),
      API_URL: apiUrl,
      METRICS_PORT: String(metricsPort),
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, undefined, 60_000);
    // The entry point's telemetry dependencies made it into the standalone image.
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain(
      '# TYPE http_requests_total',
    );
    const html = await (await fetch(base)).text();
    expect(html).toContain(`data-testid="api-version">${version}<`);
    expect(html).toContain('data-testid="api-readiness">ready<');
    expect(await (await fetch(`${base}/knowledge-sources?sector=images`)).text()).toContain('From the image');

    const chunk = /\/_next\/static\/chunks\/[^"]+\.js/.exec(html)?.[0];
    expect(chunk).toBeTruthy();
    const script = await (await fetch(`${base}${chunk}`)).text();
    const map = /\/\/# sourceMappingURL=(\S+\.map)/.exec(script)?.[1];
    if (map) expect((await fetch(`${base}/_next/static/chunks/${map}`)).status).toBe(404);
    // Browser maps stay in the build stage; the server's own maps (never served) may remain.
    const listing = await runCommand([
      ...podman,
      'exec',
      name,
      'find',
      '/app/apps/web/.next/static',
      '-name',
      '*.map',
    ]);
    expect(listing.stdout.trim()).toBe('');

    // SIGTERM through podman: the API drains and exits 0.
    const apiName = `contextai-api-it-${sha.slice(0, 8)}`;
    await runCommand([...podman, 'stop', '--time', '20', apiName]);
    const state = await runCommand([...podman, 'inspect', '--format', '{{.State.ExitCode}}', apiName]);
    expect(state.stdout.trim()).toBe('0');
  });
});

// After the tests above (the database is migrated): the same API image through deploy-ssh, scraped
// by the stack's Prometheus (file_sd), then the dashboards' app panels checked against it.
describeScrapedDeploy(() => ({ stack: env, image: images.api.ref, databaseUrl: db.url }));
