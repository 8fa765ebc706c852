// Runs the committed bundle as the runner does, with the real sentry-cli (downloaded once from the
// npm registry into this file's tool cache, integrity verified) against the fake Sentry of
// test/fake-sentry.ts, on two real builds: a tsc project (debug IDs injected by the action) and an
// ncc bundle whose maps already carry debug IDs (as Turbopack's or Rollup's do).
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/system/exec';
import { orgAuthToken, startFakeSentry, userAuthToken, type FakeSentry } from '../../../test/fake-sentry';
import { everythingPrinted, REPO_ROOT, runAction, type ActionRun } from '../../../test/run-action';

let work: string;
let toolCache: string;
let builds: { tsc: string; bundle: string; bundleDebugId: string };
const fakes: FakeSentry[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sourcemap-upload-int-'));
  toolCache = join(work, 'tool-cache');
  mkdirSync(toolCache);
  builds = await buildFixtures(join(work, 'builds'));
});

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fake with small chunks, so even these builds go up as several chunks in several requests. */
async function fake(options: Parameters<typeof startFakeSentry>[0] = {}) {
  const server = await startFakeSentry({ chunkSize: 4096, chunksPerRequest: 3, concurrency: 2, ...options });
  fakes.push(server);
  return server;
}

/** A fresh copy of the builds (the action writes debug IDs into them and may delete maps). */
function workspace(name: string) {
  const root = join(work, 'runs', name);
  cpSync(join(work, 'builds'), root, { recursive: true });
  return root;
}

function upload(
  sentry: FakeSentry,
  root: string,
  inputs: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
) {
  return runAction(
    'sourcemap-upload',
    {
      url: sentry.url,
      org: sentry.org,
      project: 'contextai-api',
      'auth-token': sentry.token,
      paths: 'tsc/dist\nbundle/dist',
      ...inputs,
    },
    {
      env: {
        GITHUB_WORKSPACE: root,
        RUNNER_TOOL_CACHE: toolCache,
        // A runner passes its whole environment; this machine reaches the registry through a TLS proxy.
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
        ...env,
      },
      timeoutMs: 180_000,
    },
  );
}

function expectNoSecret(result: ActionRun, ...secrets: string[]) {
  const printed = everythingPrinted(result);
  for (const secret of secrets) {
    expect(printed).not.toContain(secret);
    // Nor the secret half of an org token, nor any 12 characters of it.
    const tail = secret.split('_').pop()!;
    expect(printed).not.toContain(tail.slice(0, 12));
  }
}

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(js|map)$/.test(name))
    .sort();

describe('sourcemap-upload against the fake Sentry', () => {
  it('injects, uploads every file with its debug ID, finalizes the release and records the deploy', async () => {
    const sentry = await fake();
    const root = workspace('happy');
    const result = await upload(sentry, root, {
      release: 'api@1.4.2+abc1234',
      environment: 'staging',
      'url-prefix': '~/app/',
      inject: 'true',
      finalize: 'true',
      deploy: 'true',
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/sha512 matches the pinned integrity|found in the tool cache/);

    // One bundle, holding every JS file and map of both builds under the URL prefix.
    expect(sentry.bundles).toHaveLength(1);
    const bundle = sentry.bundles[0]!;
    const shipped = [
      ...listFiles(join(root, 'tsc/dist')).map((f) => `~/app/${f}`),
      ...listFiles(join(root, 'bundle/dist')).map((f) => `~/app/${f}`),
    ].sort();
    const entries = Object.values(bundle.manifest.files);
    expect(entries.map((e) => e.url).sort()).toEqual(shipped);
    expect(bundle.manifest).toMatchObject({
      org: 'contextai',
      project: 'contextai-api',
      release: 'api@1.4.2+abc1234',
    });
    expect(bundle.release).toBe('api@1.4.2+abc1234');
    expect(bundle.projects).toEqual(['contextai-api']);

    // Every file carries the debug ID now written in it on disk; the pre-built bundle kept its own.
    const onDisk = new Map<string, string>();
    for (const dir of ['tsc/dist', 'bundle/dist'])
      for (const file of listFiles(join(root, dir))) {
        const text = readFileSync(join(root, dir, file), 'utf8');
        const id = file.endsWith('.map')
          ? ((JSON.parse(text) as { debug_id?: string; debugId?: string }).debug_id ??
            (JSON.parse(text) as { debugId?: string }).debugId)
          : /\/\/# debugId=([0-9a-f-]{36})/.exec(text)?.[1];
        expect(id, `${dir}/${file} has a debug ID`).toMatch(/^[0-9a-f-]{36}$/);
        onDisk.set(`~/app/${file}`, id!);
      }
    for (const entry of entries) expect(entry.headers?.['debug-id'], entry.url).toBe(onDisk.get(entry.url!));
    expect(onDisk.get('~/app/index.js')).toBe(builds.bundleDebugId);
    // The uploaded files are the files on disk, byte for byte (JS; maps are rewritten by sentry-cli).
    for (const [path, meta] of Object.entries(bundle.manifest.files))
      if (meta.type === 'minified_source') {
        const file = meta.url!.slice('~/app/'.length);
        const dir = existsSync(join(root, 'tsc/dist', file)) ? 'tsc/dist' : 'bundle/dist';
        expect(bundle.files.get(path)!.equals(readFileSync(join(root, dir, file))), file).toBe(true);
      }

    // Outputs and the server's records agree.
    const debugIds = [
      ...new Set(entries.filter((e) => e.type === 'source_map').map((e) => e.headers!['debug-id'])),
    ].sort();
    expect(result.outputs).toEqual({
      release: 'api@1.4.2+abc1234',
      files: String(shipped.length),
      bundles: JSON.stringify([bundle.manifest.debug_id]),
      'debug-ids': JSON.stringify(debugIds),
    });
    const release = sentry.releases.get('api@1.4.2+abc1234');
    expect(release?.dateReleased).toBeTruthy();
    expect(release?.projects).toEqual(['contextai-api']);
    expect(sentry.deploys).toMatchObject([{ release: 'api@1.4.2+abc1234', environment: 'staging' }]);
    expect(
      sentry.requests.filter((r) => r.path.endsWith('/chunk-upload/') && r.method === 'POST').length,
    ).toBeGreaterThan(1);
    expect(result.summary).toContain('Source maps uploaded to Sentry');
    expect(result.summary).toContain('api@1.4.2+abc1234');
    expect(result.summary).toContain(debugIds[0]);
    expectNoSecret(result, sentry.token);
  });

  it('uploads without a release when every map has a debug ID, then deletes the maps', async () => {
    const sentry = await fake();
    const root = workspace('delete');
    const mapsBefore = listFiles(root).filter((f) => f.endsWith('.map'));
    expect(mapsBefore.length).toBeGreaterThan(2);
    const result = await upload(sentry, root, { inject: 'true', 'delete-after': 'true' });
    expect(result.code, result.stdout).toBe(0);
    expect(sentry.bundles).toHaveLength(1);
    expect(sentry.bundles[0]!.release).toBeUndefined();
    const uploadedMaps = Object.values(sentry.bundles[0]!.manifest.files).filter(
      (f) => f.type === 'source_map',
    );
    expect(uploadedMaps).toHaveLength(mapsBefore.length);
    expect(listFiles(root).filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(listFiles(root).filter((f) => f.endsWith('.js')).length).toBeGreaterThan(0);
    expect(result.outputs.release).toBe('');
    expect(sentry.releases.size).toBe(0);
    expect(result.summary).toMatch(/Maps deleted after upload<\/td><td>\d+/);
  });

  it('fails clearly when the token is rejected, and uploads nothing', async () => {
    const sentry = await fake();
    const wrong = orgAuthToken(sentry.org, sentry.url);
    const root = workspace('rejected');
    const result = await upload(sentry, root, { 'auth-token': wrong, release: 'r1', inject: 'true' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('rejected the auth token (HTTP 401)');
    expect(result.stdout).toContain('Invalid token');
    expect(sentry.requests.map((r) => r.status)).toEqual([401]);
    expect(sentry.bundles).toHaveLength(0);
    expect(sentry.releases.size).toBe(0);
    expect(result.outputs.files).toBeUndefined();
    expectNoSecret(result, wrong, sentry.token);
  });

  it('keeps the token out of every output even when the server echoes it back', async () => {
    const sentry = await fake({ token: userAuthToken() });
    sentry.failNext(400, 1, `Malformed request: Authorization: Bearer ${sentry.token} token=${sentry.token}`);
    const result = await upload(sentry, workspace('echo'), { release: 'r-echo' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Create release r-echo failed');
    expect(result.stdout).toContain('token=***');
    expectNoSecret(result, sentry.token);
  });

  it('refuses a token issued for another server or organization before any request', async () => {
    const sentry = await fake();
    const elsewhere = orgAuthToken(sentry.org, 'https://sentry.io');
    const otherOrg = orgAuthToken('someone-else', sentry.url);
    for (const token of [elsewhere, otherOrg]) {
      const result = await upload(sentry, workspace(`foreign-${token.length}-${randomUUID()}`), {
        'auth-token': token,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /`auth-token` (was issued by https:\/\/sentry\.io|belongs to organization `someone-else`)/,
      );
      expectNoSecret(result, token);
    }
    expect(sentry.requests).toHaveLength(0);
  });

  it('reports every bad input at once, a missing directory, no maps or maps Sentry cannot match, before any request', async () => {
    const sentry = await fake();
    const root = workspace('bad');
    const bad = await upload(sentry, root, {
      url: 'http://sentry.example.com/',
      org: 'Context AI',
      release: 'a/b',
      deploy: 'true',
      paths: 'tsc/dist\nno/such/dir',
      inject: 'maybe',
    });
    expect(bad.code).toBe(1);
    for (const message of [
      '`url` must use https',
      '`org` is not valid',
      '`release` is not valid',
      '`deploy` needs the `environment`',
      '`paths` item #2',
      'does not exist',
      '`inject` must be `true` or `false`',
    ])
      expect(bad.stdout).toContain(message);

    // Plain tsc output without inject and without a release: Sentry could never match it.
    const unmatched = await upload(sentry, root, { paths: 'tsc/dist' });
    expect(unmatched.code).toBe(1);
    expect(unmatched.stdout).toContain(
      'No source map has a debug ID (tsc/dist/lib/greet.js.map, tsc/dist/main.js.map)',
    );
    expect(sentry.requests).toHaveLength(0);

    rmSync(join(root, 'tsc/dist'), { recursive: true });
    mkdirSync(join(root, 'tsc/dist'));
    writeFileSync(join(root, 'tsc/dist/only.js'), 'console.log(1);\n');
    const noMaps = await upload(sentry, root, { paths: 'tsc/dist' });
    expect(noMaps.code).toBe(1);
    expect(noMaps.stdout).toContain('No source maps (*.map) found in');
    expect(noMaps.stdout).not.toContain('Downloading');
    expect(sentry.requests).toHaveLength(0);
  });

  it('retries when the network fails, and says so clearly when Sentry stays unreachable', async () => {
    // A connection reset on the first request: the action retries the step and succeeds.
    const sentry = await fake();
    sentry.dropConnections(1);
    const flaky = await upload(sentry, workspace('flaky'), { release: 'r2', inject: 'true' });
    expect(flaky.code, flaky.stdout).toBe(0);
    expect(flaky.stdout).toMatch(/Create release r2: network failure .*retrying in \d+ ms/);
    expect(sentry.releases.has('r2')).toBe(true);
    expect(sentry.bundles).toHaveLength(1);

    // 503s are retried by sentry-cli itself.
    sentry.failNext(503, 2);
    const busy = await upload(sentry, workspace('busy'), { release: 'r3', inject: 'true' });
    expect(busy.code, busy.stdout).toBe(0);
    expect(sentry.requests.filter((r) => r.status === 503)).toHaveLength(2);

    // Nothing listening at all (a user token: it names no server of its own).
    const down = await fake({ token: userAuthToken() });
    const url = down.url;
    await down.close();
    const started = Date.now();
    const result = await upload(down, workspace('down'), { url, release: 'r4', inject: 'true' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `Create release r4 failed: could not reach Sentry at ${url} (3 attempts)`,
    );
    expect(result.stdout).toMatch(/\[7\] Could not connect to server/);
    expect(Date.now() - started).toBeGreaterThan(2_000); // it waited between attempts
    expectNoSecret(result, down.token);
  });

  it('records a deploy without uploading, as a step after the switch would', async () => {
    const sentry = await fake({ token: userAuthToken() });
    const root = workspace('deploy-only');
    const first = await upload(sentry, root, { release: 'r5', inject: 'true' });
    expect(first.code, first.stdout).toBe(0);
    const deploy = await upload(sentry, root, {
      paths: '',
      release: 'r5',
      environment: 'production',
      finalize: 'true',
      deploy: 'true',
    });
    expect(deploy.code, deploy.stdout).toBe(0);
    expect(sentry.bundles).toHaveLength(1);
    expect(sentry.deploys).toMatchObject([{ release: 'r5', environment: 'production' }]);
    expect(sentry.releases.get('r5')?.dateReleased).toBeTruthy();
    expect(deploy.outputs).toMatchObject({ release: 'r5', files: '0', bundles: '[]' });
    expect(deploy.summary).toContain('Sentry release updated');
  });
});

describe('sentry-cli installation', () => {
  let mirror: Server;
  let mirrorUrl: string;
  const mirrorRequests: string[] = [];

  beforeAll(async () => {
    mirror = createServer((req, res) => {
      mirrorRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from('not the package'));
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => mirror.close(resolve)));

  it('uses the tool cache after the first download', async () => {
    const sentry = await fake();
    const result = await upload(sentry, workspace('cached'), { inject: 'true' });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('sentry-cli 3.8.0 found in the tool cache');
    expect(result.summary).toContain('tool cache');
  });

  it('refuses a download that does not match the pinned integrity, and caches nothing', async () => {
    const sentry = await fake();
    const emptyCache = join(work, 'empty-tool-cache');
    mkdirSync(emptyCache);
    const result = await upload(
      sentry,
      workspace('tampered'),
      { 'npm-registry': mirrorUrl },
      { RUNNER_TOOL_CACHE: emptyCache },
    );
    expect(result.code).toBe(1);
    expect(mirrorRequests).toEqual(['/@sentry/cli-linux-x64/-/cli-linux-x64-3.8.0.tgz']);
    expect(result.stdout).toContain('Integrity mismatch for @sentry/cli-linux-x64@3.8.0');
    expect(readdirSync(emptyCache)).toEqual([]);
    expect(sentry.requests).toHaveLength(0);
  });
});

/**
 * Two real builds with maps: a tsc project (plain output, no debug IDs) and an ncc bundle whose
 * JS and map carry a debug ID already, written the way bundlers with native debug IDs write it.
 */
async function buildFixtures(root: string) {
  const tsc = join(root, 'tsc');
  mkdirSync(join(tsc, 'src', 'lib'), { recursive: true });
  writeFileSync(
    join(tsc, 'src', 'lib', 'greet.ts'),
    'export function greet(name: string): string {\n  if (!name) throw new Error("no name");\n  return `hello ${name}`;\n}\n',
  );
  writeFileSync(
    join(tsc, 'src', 'main.ts'),
    "import { greet } from './lib/greet';\nexport const message = greet('api');\n",
  );
  writeFileSync(
    join(tsc, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        outDir: 'dist',
        rootDir: 'src',
        sourceMap: true,
        strict: true,
        types: [],
      },
      include: ['src'],
    }),
  );
  await runCommand([process.execPath, join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsc]);

  const bundle = join(root, 'bundle');
  mkdirSync(join(bundle, 'src'), { recursive: true });
  writeFileSync(
    join(bundle, 'src', 'index.js'),
    "const { greet } = require('../../tsc/dist/lib/greet');\nmodule.exports = () => greet('web');\n",
  );
  await runCommand([
    join(REPO_ROOT, 'node_modules/.bin/ncc'),
    'build',
    join(bundle, 'src', 'index.js'),
    '-o',
    join(bundle, 'dist'),
    '-s',
    '-q',
  ]);
  const bundleDebugId = randomUUID();
  const js = join(bundle, 'dist', 'index.js');
  writeFileSync(js, `${readFileSync(js, 'utf8').trimEnd()}\n//# debugId=${bundleDebugId}\n`);
  const mapFile = join(bundle, 'dist', 'index.js.map');
  writeFileSync(
    mapFile,
    JSON.stringify({ ...JSON.parse(readFileSync(mapFile, 'utf8')), debugId: bundleDebugId }),
  );
  expect(listFiles(join(tsc, 'dist')).length).toBe(4);
  expect(relative(root, js)).toBe('bundle/dist/index.js');
  return { tsc, bundle, bundleDebugId };
}
