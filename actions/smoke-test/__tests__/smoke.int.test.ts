// The bundled smoke-test action against a local HTTP server whose behaviour each test sets.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction } from '../../../test/run-action';

let server: Server;
let base = '';
let hits = 0;
let readyAfter = 0;
let version = 'v2';
let slowMs = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits += 1;
    if (req.url === '/api/health/ready') {
      res.writeHead(hits > readyAfter ? 200 : 503).end(hits > readyAfter ? 'ok' : 'starting');
    } else if (req.url === '/') {
      setTimeout(() => res.writeHead(200).end('<h1>Context.AI</h1>'), slowMs);
    } else if (req.url === '/api/version') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version }));
    } else if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('slow'), slowMs);
    } else if (req.url === '/secret') {
      res
        .writeHead(req.headers.authorization === 'Bearer tok-canary-991' ? 200 : 401)
        .end('{"data":{"items":[{"id":7}]}}');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// The report must outlive the run (runAction removes its own RUNNER_TEMP).
const reports = mkdtempSync(join(tmpdir(), 'smoke-reports-'));
const smoke = (inputs: Record<string, string>) =>
  runAction(
    'smoke-test',
    { url: base, 'retry-delay': '100ms', ...inputs },
    { env: { RUNNER_TEMP: reports } },
  );

describe('smoke-test', () => {
  it('passes once the server becomes healthy after a few retries, and checks the version', async () => {
    hits = 0;
    readyAfter = 3;
    version = 'v2';
    const run = await smoke({
      checks: '- path: /api/health/ready\n  status: 200\n  contains: ok',
      'expect-version': 'v2',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.passed).toBe('true');
    expect(run.stdout).toMatch(/retry 3\/10/);
    const report = JSON.parse(readFileSync(run.outputs.report!, 'utf8'));
    expect(report.results[0]).toMatchObject({ passed: true, status: 200, attempts: 4 });
    expect(run.summary).toContain('version is v2');
  });

  it('fails when the server never becomes healthy, after the retries', async () => {
    hits = 0;
    readyAfter = 1_000;
    const run = await smoke({ checks: '- path: /api/health/ready', retries: '2' });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ passed: 'false', 'failed-checks': 'GET /api/health/ready' });
    expect(run.stdout).toMatch(/status 503, expected 2xx/);
  });

  it('fails on a wrong version', async () => {
    version = 'v1';
    const run = await smoke({ 'expect-version': 'v2', retries: '1' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('version is "v1", expected "v2"');
  });

  it('fails a slow endpoint over max-ms, and JSON path checks with masked headers work', async () => {
    slowMs = 400;
    const run = await smoke({
      checks: '- path: /slow\n  max-ms: 150\n- path: /secret\n  json: data.items.0.id\n  equals: 7',
      headers: 'Authorization: Bearer tok-canary-991',
      retries: '1',
    });
    expect(run.code).toBe(1);
    expect(run.outputs['failed-checks']).toBe('GET /slow');
    expect(run.stdout).toMatch(/took \d+ ms, more than max-ms 150/);
    expect(everythingPrinted(run).replace(/::add-mask::.*/g, '')).not.toContain('tok-canary-991');
  });

  it('by default checks API readiness, the web home page, the version and a 500 ms budget, naming the URL', async () => {
    hits = 0;
    readyAfter = 0;
    version = 'v3';
    slowMs = 0;
    const run = await smoke({ 'expect-version': 'v3' });
    expect(run.code, run.stdout).toBe(0);
    const report = JSON.parse(readFileSync(run.outputs.report!, 'utf8'));
    expect(report.url).toBe(base);
    expect(report.results.map((r: { path: string }) => r.path)).toEqual([
      '/api/health/ready',
      '/',
      '/api/version',
    ]);
    expect(run.summary).toContain(`Smoke test of ${base}`);
    expect(run.stdout).toContain(`Smoke test of ${base}: 3 check(s)`);

    slowMs = 700; // the home page over the default budget
    const slow = await smoke({ 'expect-version': 'v3', retries: '0' });
    expect(slow.code).toBe(1);
    expect(slow.outputs['failed-checks']).toBe('web home page');
    expect(slow.stdout).toMatch(/took \d+ ms, more than max-ms 500/);
    expect((await smoke({ 'expect-version': 'v3', retries: '0', 'max-ms': '0' })).code).toBe(0);
    slowMs = 0;
  });

  it('refuses an empty list of checks without a version to expect', async () => {
    hits = 0;
    const run = await smoke({ checks: '[]' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('nothing would be checked');
    expect(hits).toBe(0);
  });

  it('rejects bad checks before any request', async () => {
    hits = 0;
    const run = await smoke({ checks: '- path: nope\n  method: FETCH\n  status: 999' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('check #1');
    expect(hits).toBe(0);
  });
});
