// The built web app (standalone server) against a running API on the stack's PostgreSQL and Redis,
// rendered in headless Chromium. Run: npx vitest run --project integration apps/web/__tests__/web.int.test.ts
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { REPO_ROOT } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';
import { createDatabase, freePort, startChild, waitForHttp, type Child } from '../../api/__tests__/support';

const API_DIR = resolve(REPO_ROOT, 'apps/api');
const WEB_DIR = resolve(REPO_ROOT, 'apps/web');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

let db: Awaited<ReturnType<typeof createDatabase>>;
let api: Child;
let web: Child;
let apiUrl: string;
let webUrl: string;
let browser: Browser;

beforeAll(async () => {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  await runCommand(['npm', 'run', 'build', '-w', 'apps/api'], { cwd: REPO_ROOT, env, timeoutMs: 120_000 });
  await runCommand(['npm', 'run', 'build', '-w', 'apps/web'], { cwd: REPO_ROOT, env, timeoutMs: 300_000 });
  db = await createDatabase('web_it');
  const base = { PATH: process.env.PATH, NO_COLOR: '1', HOST: '127.0.0.1' };
  await runCommand(['node', 'dist/migrations/cli.js'], {
    cwd: API_DIR,
    env: { ...base, DATABASE_URL: db.url },
  });

  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  api = startChild(['node', 'dist/main.js'], {
    cwd: API_DIR,
    env: {
      ...base,
      PORT: String(apiPort),
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv().STACK_REDIS_URL,
      APP_VERSION: '4.5.6-web',
      APP_REVISION: 'feedbee',
    },
  });
  await waitForHttp(`${apiUrl}/health`, api);

  const webPort = await freePort();
  webUrl = `http://127.0.0.1:${webPort}`;
  // API_URL is given at start, not at build: the page must read it at request time.
  web = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH,
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(webPort),
      HOSTNAME: '127.0.0.1',
      API_URL: apiUrl,
    },
  });
  await waitForHttp(`${webUrl}/api/health`, web);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await api?.stop();
  await db?.drop();
});

describe('the web app', () => {
  it('GET /api/health answers', async () => {
    const response = await fetch(`${webUrl}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('renders the API version and readiness in Chromium', async () => {
    const page = await browser.newPage();
    const response = await page.goto(webUrl);
    expect(response?.status()).toBe(200);
    expect(await page.getByTestId('api-version').textContent()).toBe('4.5.6-web');
    expect(await page.getByTestId('api-revision').textContent()).toBe('feedbee');
    expect(await page.getByTestId('api-readiness').textContent()).toBe('ready');
    expect(await page.getByTestId('check-postgres').textContent()).toBe('postgres: up');
    expect(await page.getByTestId('check-redis').textContent()).toBe('redis: up');
    await page.close();
  });

  it('lists the knowledge sources of a sector from the API', async () => {
    for (const title of ['Tax code', 'VAT FAQ'])
      await fetch(`${apiUrl}/sectors/finance/knowledge-sources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title, kind: 'faq' }),
      });
    const page = await browser.newPage();
    await page.goto(`${webUrl}/knowledge-sources?sector=finance`);
    expect(await page.getByTestId('sectors').textContent()).toContain('finance (2)');
    const rows = await page.locator('[data-testid="sources"] tbody tr td:first-child').allTextContents();
    expect(rows).toEqual(['VAT FAQ', 'Tax code']);
    await page.close();
  });

  it('shows the API as unreachable when it is down (no data baked in at build time)', async () => {
    await api.stop();
    const page = await browser.newPage();
    await page.goto(webUrl);
    expect(await page.getByTestId('api-readiness').textContent()).toBe('not ready');
    expect(await page.getByTestId('api-version-error').textContent()).toContain('API unreachable');
    await page.close();
  });

  it('generates browser source maps but does not serve them', async () => {
    // Each served chunk names its map (sourceMappingURL); the map exists, outside the served directory.
    const staticDir = join(WEB_DIR, '.next/standalone/apps/web/.next/static');
    const chunks = (readdirSync(staticDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    let checked = 0;
    for (const chunk of chunks) {
      const source = readFileSync(join(staticDir, chunk), 'utf8');
      const mapName = /\/\/# sourceMappingURL=(\S+\.map)\s*$/.exec(source)?.[1];
      if (!mapName) continue;
      const mapPath = join(dirname(chunk), mapName);
      expect(existsSync(join(WEB_DIR, '.next/sourcemaps/static', mapPath)), mapPath).toBe(true);
      expect((await fetch(`${webUrl}/_next/static/${chunk}`)).status, chunk).toBe(200);
      expect((await fetch(`${webUrl}/_next/static/${mapPath}`)).status, mapPath).toBe(404);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, completes the request in flight and exits 0', async () => {
    // A slow API: the page's server-side fetches stay in flight for 1.5 s (under its 3 s timeout).
    const slowApi = createServer((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: '9.9.9-slow', revision: null, builtAt: null, status: 'ready' }));
      }, 1_500);
    });
    await new Promise<void>((resolve) => slowApi.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
      cwd: WEB_DIR,
      env: {
        PATH: process.env.PATH,
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
        API_URL: `http://127.0.0.1:${(slowApi.address() as AddressInfo).port}`,
      },
    });
    try {
      await waitForHttp(`${url}/api/health`, server);
      const inFlight = fetch(url);
      await sleep(400);
      server.process.kill('SIGTERM');
      await sleep(300);

      await expect(fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
      expect(server.process.exitCode).toBeNull(); // still draining

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('9.9.9-slow');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('SIGTERM received');
      expect(server.output()).toContain('closed cleanly');
    } finally {
      await server.stop(2_000);
      slowApi.close();
    }
  });
});
