// The bundled smoke-test action against a local HTTP server whose behaviour each test sets, and an
// HTTPS server whose certificate a test CA issued for a name no resolver knows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
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

describe('smoke-test over HTTPS', () => {
  const NAME = 'staging.smoke.invalid'; // `.invalid`: never resolvable (RFC 6761)
  const dir = mkdtempSync(join(tmpdir(), 'smoke-tls-'));
  let tls: Server;
  let url = '';
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

  beforeAll(async () => {
    // A CA and a leaf for NAME signed by it; the server sends the leaf only (the CA is not in the chain).
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      'req',
      '-x509',
      ...ec,
      '-days',
      '1',
      '-subj',
      '/CN=Smoke test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    );
    openssl('req', ...ec, '-subj', `/CN=${NAME}`, '-keyout', 'leaf.key', '-out', 'leaf.csr');
    writeFileSync(join(dir, 'ext'), `subjectAltName=DNS:${NAME}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-days',
      '1',
      '-extfile',
      'ext',
      '-out',
      'leaf.pem',
    );
    tls = createHttpsServer(
      { key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) },
      (req, res) => {
        if (req.url === '/api/version')
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ version: 'v9', host: req.headers.host }));
        else res.writeHead(200).end(`host ${req.headers.host}`);
      },
    );
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const address = tls.address();
    url = `https://${NAME}:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => tls.close(() => r())));

  const https = (inputs: Record<string, string>) =>
    runAction(
      'smoke-test',
      { url, 'retry-delay': '100ms', retries: '0', 'connect-address': '127.0.0.1', ...inputs },
      { env: { RUNNER_TEMP: reports } },
    );

  it('verifies the certificate against ca-file and sends the name in SNI and Host, connecting to connect-address', async () => {
    const run = await https({
      'ca-file': join(dir, 'ca.pem'),
      checks: `- path: /\n  contains: host ${url.slice('https://'.length)}`,
      'expect-version': 'v9',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`Smoke test of ${url}: 2 check(s)`);
  });

  it("fails when the CA is not trusted, or the name is not the certificate's, with the reason", async () => {
    const untrusted = await https({ 'expect-version': 'v9' });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(
      /the certificate is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\): give the CA that issued it as `ca-file`/,
    );
    const wrongName = await runAction(
      'smoke-test',
      {
        url: url.replace(NAME, 'other.smoke.invalid'),
        retries: '0',
        'connect-address': '127.0.0.1',
        'ca-file': join(dir, 'ca.pem'),
        'expect-version': 'v9',
      },
      { env: { RUNNER_TEMP: reports } },
    );
    expect(wrongName.code).toBe(1);
    expect(wrongName.stdout).toContain(
      'the certificate does not cover other.smoke.invalid (ERR_TLS_CERT_ALTNAME_INVALID)',
    );
    // Without connect-address the name is resolved, and `.invalid` never is.
    const unresolved = await https({
      'connect-address': '',
      'ca-file': join(dir, 'ca.pem'),
      'expect-version': 'v9',
    });
    expect(unresolved.code).toBe(1);
    expect(unresolved.stdout).toMatch(
      /could not reach https:\/\/staging\.smoke\.invalid:\d+\/api\/version \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it('refuses a connect-address that is no IP address and a ca-file without a certificate, before any request', async () => {
    writeFileSync(join(dir, 'empty.pem'), 'nothing here\n');
    const run = await https({
      'connect-address': 'edge-1.example',
      'ca-file': join(dir, 'empty.pem'),
      'expect-version': 'v9',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('connect-address');
    expect(run.stdout).toContain('must be an IPv4 or IPv6 address');
    expect(run.stdout).toContain('holds no PEM certificate');
  });
});
