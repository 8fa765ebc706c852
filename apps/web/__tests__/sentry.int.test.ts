// The built web app (standalone server) with Sentry on, against the fake Sentry of test/fake-sentry.ts:
// its browser source maps are uploaded by actions/sourcemap-upload (the real sentry-cli, as deploy.yml
// runs it), a page in headless Chromium throws, and the event that arrives is resolved with the
// uploaded map to the original .tsx line; a server-side error arrives too, a 404 does not, and no
// token from a query or header is in anything sent. The browser's DSN comes from the server's
// environment at run time (the build has none).
// Run: npx vitest run --project integration apps/web/__tests__/sentry.int.test.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { startFakeSentry, type FakeSentry } from '../../../test/fake-sentry';
import { REPO_ROOT, runAction, type ActionRun } from '../../../test/run-action';
import { eventually, freePort, startChild, waitForHttp, type Child } from '../../api/__tests__/support';

const WEB_DIR = resolve(REPO_ROOT, 'apps/web');
const VERSION = '7.8.9-websentry';
const TRACE_ID = '5bf92f3577b34da6a3ce929d0e0e4737';
const CANARIES = {
  pageQuery: 'page-query-canary-2c4e6a',
  serverQuery: 'server-query-canary-8b1d3f',
  authorization: 'bearer-canary-7f3a9c',
  cookie: 'cookie-canary-5e7d1b',
};
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-quic'];

interface Frame {
  abs_path?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
}
interface SentryEvent {
  release?: string;
  environment?: string;
  platform?: string;
  tags?: Record<string, string>;
  request?: { url?: string };
  contexts?: { trace?: { trace_id?: string } };
  exception?: { values: { type: string; value: string; stacktrace?: { frames: Frame[] } }[] };
  debug_meta?: { images?: { type: string; code_file?: string; debug_id?: string }[] };
}

let sentry: FakeSentry;
let upload: ActionRun;
let toolCache: string;
let web: Child;
let webUrl: string;
let browser: Browser;

const events = () => sentry.events as unknown as SentryEvent[];
const exceptionOf = (event: SentryEvent) => event.exception?.values.at(-1);
const eventWith = (message: string) => events().find((e) => exceptionOf(e)?.value === message);
const sentText = () =>
  sentry.envelopes.flatMap((e) => e.items.map((item) => item.payload.toString('utf8'))).join('\n');
const uploadedFiles = () =>
  sentry.bundles.flatMap((b) =>
    Object.entries(b.manifest.files).map(([p, f]) => ({ bundle: b, path: p, file: f })),
  );

beforeAll(async () => {
  // Built without any Sentry variable: the browser's settings must come from the running server.
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', SENTRY_DSN: undefined };
  await runCommand(['npm', 'run', 'build', '-w', 'apps/web'], { cwd: REPO_ROOT, env, timeoutMs: 300_000 });
  sentry = await startFakeSentry();
  toolCache = mkdtempSync(join(tmpdir(), 'web-sentry-tools-'));
  // deploy.yml's step: the maps postbuild.mjs set aside, with their chunks, by debug ID.
  upload = await runAction(
    'sourcemap-upload',
    {
      url: sentry.url,
      org: sentry.org,
      project: 'contextai-web',
      'auth-token': sentry.token,
      release: VERSION,
      paths: 'apps/web/.next/sourcemaps',
      'url-prefix': '~/_next/',
    },
    {
      env: {
        GITHUB_WORKSPACE: REPO_ROOT,
        RUNNER_TOOL_CACHE: toolCache,
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      },
      timeoutMs: 180_000,
    },
  );
  const port = await freePort();
  webUrl = `http://127.0.0.1:${port}`;
  web = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH,
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      APP_VERSION: VERSION,
      APP_ENV: 'staging',
      // required by the web's schema; nothing listens there (these pages never call the API)
      API_URL: `http://127.0.0.1:${await freePort()}`,
      SENTRY_DSN: sentry.dsn('contextai-web'),
      DEBUG_ERROR_ROUTES: '1',
    },
  });
  await waitForHttp(`${webUrl}/healthz`, web);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await sentry?.close();
  if (toolCache) rmSync(toolCache, { recursive: true, force: true });
});

describe('the upload of the web’s source maps', () => {
  it('sends every chunk with its map, by debug ID', () => {
    expect(upload.code, upload.stderr).toBe(0);
    const files = uploadedFiles();
    const chunks = files.filter((f) => f.file.type === 'minified_source');
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      const debugId = chunk.file.headers?.['debug-id'];
      expect(debugId, chunk.file.url).toMatch(/^[0-9a-f]{8}-[0-9a-f-]{27}$/);
      expect(
        files.some((f) => f.file.type === 'source_map' && f.file.headers?.['debug-id'] === debugId),
      ).toBe(true);
    }
    expect(JSON.parse(upload.outputs['debug-ids']!)).toHaveLength(chunks.length);
  });
});

describe('a client-side error in Chromium', () => {
  let event: SentryEvent;
  const message = 'Deliberate client error (debug route)';
  const origins = new Set<string>();

  beforeAll(async () => {
    const page = await browser.newPage();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    await page.goto(`${webUrl}/debug/client-error?access_token=${CANARIES.pageQuery}`);
    // Hydrated: React has attached the click handler once the SDK has its settings and is running.
    await page.waitForFunction(() => '__SENTRY__' in globalThis);
    await page.getByTestId('throw').click();
    await eventually(async () => eventWith(message) !== undefined, 20_000);
    event = eventWith(message)!;
    await page.close();
  });

  it('goes through the web’s own origin (the edge allows connect-src self only)', () => {
    expect([...origins]).toEqual([webUrl]);
    const envelope = sentry.envelopes.find((e) =>
      e.items.some((item) => item.payload.toString('utf8').includes(message)),
    );
    // Forwarded by the tunnel: authenticated by the envelope's own DSN, as Relay accepts it.
    expect(envelope?.auth).toBe('dsn');
  });

  it('arrives with the release and environment of the running server', () => {
    expect(event.platform).toBe('javascript');
    expect(event.release).toBe(VERSION);
    expect(event.environment).toBe('staging');
  });

  it('names only debug IDs that are in the uploaded bundle', () => {
    const images = event.debug_meta?.images ?? [];
    expect(images.length).toBeGreaterThan(0);
    const uploaded = new Set(uploadedFiles().map((f) => f.file.headers?.['debug-id']));
    for (const image of images) expect(uploaded, image.code_file).toContain(image.debug_id);
  });

  it('resolves its top frame, with the uploaded map, to the line of the throw in the .tsx', async () => {
    const frame = exceptionOf(event)!.stacktrace!.frames.at(-1)!;
    const url = frame.abs_path ?? frame.filename;
    const image = event.debug_meta!.images!.find((i) => i.code_file === url);
    expect(image, `no debug image for ${url}`).toBeDefined();
    const byId = (type: string) =>
      uploadedFiles().find((f) => f.file.type === type && f.file.headers?.['debug-id'] === image!.debug_id)!;
    // The uploaded chunk is the served one, byte for byte (the SDK names it app:///_next/static/…).
    const served = Buffer.from(await (await fetch(`${webUrl}${new URL(url!).pathname}`)).arrayBuffer());
    const chunk = byId('minified_source');
    expect(chunk.bundle.files.get(chunk.path)!.equals(served)).toBe(true);

    const map = byId('source_map');
    const raw = JSON.parse(map.bundle.files.get(map.path)!.toString('utf8')) as RawSourceMap;
    const original = await SourceMapConsumer.with(raw, null, (consumer) =>
      consumer.originalPositionFor({ line: frame.lineno!, column: frame.colno! - 1 }),
    );
    const file = 'apps/web/app/debug/client-error/throw-button.tsx';
    const throwLine =
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .findIndex((line) => line.includes('throw new Error(')) + 1;
    expect(original.source).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}$`));
    expect(original.line).toBe(throwLine);
  });

  it('holds no token of the page’s query', () => {
    expect(sentText()).not.toContain(CANARIES.pageQuery);
    expect(event.request?.url).toContain('access_token=[Redacted]');
  });
});

describe('the tunnel', () => {
  it('forwards envelopes for the web’s own DSN only', async () => {
    const before = sentry.envelopes.length;
    const other = `${JSON.stringify({ dsn: sentry.dsn('contextai-api') })}\n{"type":"event"}\n{}\n`;
    const refused = await fetch(`${webUrl}/monitoring`, { method: 'POST', body: other });
    expect(refused.status).toBe(400);
    const tooBig = await fetch(`${webUrl}/monitoring`, {
      method: 'POST',
      body: `${JSON.stringify({ dsn: sentry.dsn('contextai-web') })}\n${'x'.repeat(1024 * 1024)}`,
    });
    expect(tooBig.status).toBe(413);
    // Neither reached Sentry (the browser's own envelopes, e.g. a late transaction, may still arrive).
    const forwarded = sentry.envelopes
      .slice(before)
      .filter(
        (e) =>
          e.header.dsn === sentry.dsn('contextai-api') ||
          e.items.some((item) => item.payload.length >= 1024 * 1024),
      );
    expect(forwarded).toEqual([]);
  });
});

describe('server-side errors', () => {
  it('arrive with the request id, route and caller’s trace, scrubbed; a 404 does not', async () => {
    const missing = await fetch(`${webUrl}/no-such-page`, { headers: { 'x-request-id': 'web-sentry-404' } });
    expect(missing.status).toBe(404);
    const response = await fetch(`${webUrl}/debug/server-error?access_token=${CANARIES.serverQuery}`, {
      headers: {
        'x-request-id': 'web-sentry-500',
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
        authorization: `Bearer ${CANARIES.authorization}`,
        cookie: `session=${CANARIES.cookie}`,
      },
    });
    expect(response.status).toBe(500);
    const message = 'Deliberate server error (debug route)';
    await eventually(async () => eventWith(message) !== undefined, 20_000);
    const event = eventWith(message)!;
    expect(event.platform).toBe('node');
    expect(event.release).toBe(VERSION);
    expect(event.environment).toBe('staging');
    expect(event.tags).toMatchObject({ request_id: 'web-sentry-500', route: '/debug/server-error' });
    expect(event.contexts?.trace?.trace_id).toBe(TRACE_ID);
    for (const canary of Object.values(CANARIES)) expect(sentText()).not.toContain(canary);
    expect(events().some((e) => e.tags?.request_id === 'web-sentry-404')).toBe(false);
    expect(events().filter((e) => e.exception)).toHaveLength(2);
  });
});

describe('without SENTRY_DSN and DEBUG_ERROR_ROUTES', () => {
  it('pages carry no Sentry settings and the debug routes are 404', async () => {
    const port = await freePort();
    const plain = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
      cwd: WEB_DIR,
      env: {
        PATH: process.env.PATH,
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
        API_URL: `http://127.0.0.1:${await freePort()}`,
      },
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, plain);
      const page = await fetch(`http://127.0.0.1:${port}/debug/client-error`);
      expect(page.status).toBe(404);
      expect(await page.text()).not.toContain('id="sentry-config"');
      expect((await fetch(`http://127.0.0.1:${port}/debug/server-error`)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
