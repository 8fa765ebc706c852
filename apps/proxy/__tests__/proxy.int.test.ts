// The rendered edge config on a real nginx: nginx -t, the redirect, the ACME webroot, every
// security header, protocols and ciphers as openssl s_client sees them, HTTP/2, gzip and Brotli, routing.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Server } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startEdge,
  startUpstream,
  writeSelfSigned,
  type Edge,
} from '../../../test/fixtures/proxy/edge';

const DOMAINS = ['contextai.test', 'www.contextai.test'];
const HTML = `<!doctype html><html><body>${'<p>Context.AI</p>'.repeat(200)}</body></html>`;

let edge: Edge;
let apiPort: number;
let webPort: number;
let internalPort: number;
const upstreams: Server[] = [];

beforeAll(async () => {
  const web = await startUpstream('web', 'text/html; charset=utf-8', HTML);
  const api = await startUpstream(
    'api',
    'application/json',
    JSON.stringify({ items: Array(100).fill('knowledge') }),
  );
  upstreams.push(web.server, api.server);
  apiPort = api.port;
  webPort = web.port;
  edge = await startEdge({
    domains: DOMAINS,
    httpPort: await freePort(),
    httpsPort: await freePort(),
    webUpstreamPort: web.port,
    apiUpstreamPort: api.port,
    internalPort: (internalPort = await freePort()),
    installCertificate: (certDir) => writeSelfSigned(certDir, DOMAINS, 30),
  });
});

afterAll(async () => {
  await edge?.stop();
  for (const server of upstreams) server.close();
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(
  scheme: 'http' | 'https',
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const request = scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { host: DOMAINS[0]!, ...headers },
        servername: DOMAINS[0],
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** openssl s_client with extra flags; `ok` when a session was established. */
function sClient(port: number, flags: string[]): { ok: boolean; output: string } {
  const result = spawnSync(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', DOMAINS[0]!, ...flags],
    { input: '', encoding: 'utf8', timeout: 10_000 },
  );
  const output = `${result.stdout}\n${result.stderr}`;
  const ok = result.status === 0 && !/Cipher is \(NONE\)|Cipher\s*:\s*0000/.test(output);
  return { ok, output };
}

describe('apps/proxy on nginx', () => {
  it('passes nginx -t', () => {
    const out = execFileSync(
      'setpriv',
      ['--reuid=deploy', '--regid=deploy', '--init-groups', ...edge.nginxArgs, '-t'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(out).toBe('');
  });

  it('redirects HTTP to HTTPS with 301, keeping host, path and query', async () => {
    const reply = await get('http', edge.httpPort, '/sources?sector=health');
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe(`https://${DOMAINS[0]}:${edge.httpsPort}/sources?sector=health`);
  });

  it('serves ACME challenges from the webroot over plain HTTP', async () => {
    writeFileSync(join(edge.webroot, 'token-abc'), 'token-abc.thumbprint');
    const reply = await get('http', edge.httpPort, '/.well-known/acme-challenge/token-abc');
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('token-abc.thumbprint');
    expect((await get('http', edge.httpPort, '/.well-known/acme-challenge/missing')).status).toBe(404);
  });

  it('sends every security header on HTTPS responses, once, errors included', async () => {
    for (const path of ['/', '/api/sources']) {
      const { headers } = await get('https', edge.httpsPort, path);
      expect(headers['strict-transport-security']).toBe('max-age=63072000');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['x-frame-options']).toBe('DENY'); // the upstream's SAMEORIGIN is replaced
      expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(headers['content-security-policy']).toContain("default-src 'self'");
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['permissions-policy']).toContain('camera=()');
      expect(headers['x-powered-by']).toBeUndefined();
      expect(headers.server).toBe('nginx');
    }
  });

  it('routes / to the web upstream and /api to the api upstream, path unchanged', async () => {
    const web = await get('https', edge.httpsPort, '/dashboard');
    expect(web.headers['x-upstream']).toBe('web');
    const api = await get('https', edge.httpsPort, '/api/sources?x=1');
    expect(api.headers['x-upstream']).toBe('api');
    expect(api.headers['x-upstream-path']).toBe('/api/sources?x=1');
    expect((await get('https', edge.httpsPort, '/api')).headers['x-upstream']).toBe('api');
    expect((await get('https', edge.httpsPort, '/apiary')).headers['x-upstream']).toBe('web');
  });

  it('compresses text responses with gzip', async () => {
    const html = await get('https', edge.httpsPort, '/', { 'accept-encoding': 'gzip' });
    expect(html.headers['content-encoding']).toBe('gzip');
    expect(html.headers.vary).toContain('Accept-Encoding');
    expect(html.body.length).toBeLessThan(HTML.length / 5);
    const json = await get('https', edge.httpsPort, '/api/sources', { 'accept-encoding': 'gzip' });
    expect(json.headers['content-encoding']).toBe('gzip');
    const plain = await get('https', edge.httpsPort, '/');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('prefers Brotli when the client accepts it, gzip otherwise', async () => {
    const both = 'gzip, deflate, br';
    const html = await get('https', edge.httpsPort, '/', { 'accept-encoding': both });
    expect(html.headers['content-encoding']).toBe('br');
    expect(html.headers.vary).toContain('Accept-Encoding');
    expect(brotliDecompressSync(html.body).toString()).toBe(HTML);
    const json = await get('https', edge.httpsPort, '/api/sources', { 'accept-encoding': both });
    expect(json.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(json.body).toString())).toEqual({
      items: Array(100).fill('knowledge'),
    });
    const gzipOnly = await get('https', edge.httpsPort, '/', { 'accept-encoding': 'gzip, deflate' });
    expect(gzipOnly.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipOnly.body).toString()).toBe(HTML);
  });

  it('sets X-Request-ID when the client sent none (or a malformed one), passes it upstream and returns it once', async () => {
    const fresh = await get('https', edge.httpsPort, '/api/sources');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.headers['x-upstream-request-id']).toBe(fresh.headers['x-request-id']);
    const kept = await get('https', edge.httpsPort, '/', { 'x-request-id': 'client-chosen-id-42' });
    expect(kept.headers['x-request-id']).toBe('client-chosen-id-42'); // one value: the upstream copy is hidden
    expect(kept.headers['x-upstream-request-id']).toBe('client-chosen-id-42');
    const replaced = await get('https', edge.httpsPort, '/', { 'x-request-id': 'has spaces "and quotes"' });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(replaced.headers['x-upstream-request-id']).toBe(replaced.headers['x-request-id']);
  });

  it('writes one JSON access log line per request, with the request id, timings and upstream', async () => {
    const reply = await get('https', edge.httpsPort, '/api/sources?token=secret-in-query', {
      'x-request-id': 'access-log-check-01',
    });
    const redirect = await get('http', edge.httpPort, '/plain', { 'x-request-id': 'access-log-check-02' });
    expect(redirect.status).toBe(301);
    const lines = readFileSync(edge.accessLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = lines.find((l) => l.request_id === 'access-log-check-01');
    expect(line).toMatchObject({
      method: 'GET',
      path: '/api/sources',
      status: 200,
      upstream_addr: `127.0.0.1:${apiPort}`,
      upstream_status: '200',
      host: DOMAINS[0],
    });
    expect(Date.parse(line!.time as string)).not.toBeNaN();
    expect(line!.request_time).toEqual(expect.any(Number));
    // The body as sent (chunked: with the chunk framing).
    expect(line!.bytes).toBeGreaterThanOrEqual(reply.body.length);
    expect(Number(line!.upstream_response_time)).toBeGreaterThanOrEqual(0);
    expect(lines.find((l) => l.request_id === 'access-log-check-02')).toMatchObject({
      status: 301,
      upstream_addr: '',
    });
    expect(readFileSync(edge.accessLog, 'utf8')).not.toContain('secret-in-query');
  });

  it('accepts TLS 1.2 and TLS 1.3', () => {
    const v12 = sClient(edge.httpsPort, ['-tls1_2']);
    expect(v12.ok, v12.output).toBe(true);
    expect(v12.output).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    const v13 = sClient(edge.httpsPort, ['-tls1_3']);
    expect(v13.ok, v13.output).toBe(true);
    expect(v13.output).toMatch(/TLSv1\.3/);
  });

  it('refuses TLS 1.0 and TLS 1.1 (the server says protocol version)', () => {
    // SECLEVEL=0 lets OpenSSL 3 offer the old protocols, so the refusal comes from nginx.
    for (const flag of ['-tls1', '-tls1_1']) {
      const result = sClient(edge.httpsPort, [flag, '-cipher', 'DEFAULT@SECLEVEL=0']);
      expect(result.ok, result.output).toBe(false);
      expect(result.output).toMatch(/alert protocol version/);
    }
  });

  it('refuses weak TLS 1.2 ciphers and accepts an intermediate one', () => {
    for (const cipher of [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384',
      'AES128-SHA',
      'ECDHE-ECDSA-AES128-SHA256',
    ]) {
      const result = sClient(edge.httpsPort, ['-tls1_2', '-cipher', `${cipher}@SECLEVEL=0`]);
      expect(result.ok, `${cipher}: ${result.output}`).toBe(false);
      expect(result.output).toMatch(/alert handshake failure/);
    }
    const good = sClient(edge.httpsPort, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
    expect(good.ok, good.output).toBe(true);
  });

  it('offers HTTP/2 through ALPN', async () => {
    const protocol = await new Promise<string | false>((resolve, reject) => {
      const socket = tlsConnect(
        {
          host: '127.0.0.1',
          port: edge.httpsPort,
          servername: DOMAINS[0],
          ALPNProtocols: ['h2', 'http/1.1'],
          rejectUnauthorized: false,
        },
        () => {
          resolve(socket.alpnProtocol ?? false);
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(protocol).toBe('h2');
  });
});

// Last in this file: the bursts use up the buckets of the client address every test shares.
describe('rate limits at the edge (apps/proxy/templates/rate-limit.*.conf)', () => {
  function send(method: string, path: string, port = edge.httpsPort): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: { host: DOMAINS[0]!, 'content-type': 'application/json', 'content-length': '2' },
          servername: DOMAINS[0],
          rejectUnauthorized: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  }
  const burst = (count: number, method: string, path: string, port?: number) =>
    Promise.all(Array.from({ length: count }, () => send(method, path, port)));
  const statuses = (replies: Reply[]) =>
    replies.reduce<Record<number, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {});

  it('limits auth-like requests (API writes, /auth paths) strictly, with 429 and Retry-After', async () => {
    const writes = await burst(25, 'POST', '/api/sectors/legal/knowledge-sources');
    const counts = statuses(writes);
    // burst 10 + at most a refill or two at 30 r/min; the rest is refused.
    expect(counts[200]).toBeGreaterThanOrEqual(10);
    expect(counts[200]).toBeLessThanOrEqual(12);
    expect(counts[429]).toBe(25 - counts[200]!);
    const refused = writes.find((r) => r.status === 429)!;
    expect(refused.headers['retry-after']).toBe('2');
    // nginx's own answer, with the edge's headers and without any upstream.
    expect(refused.headers['x-upstream']).toBeUndefined();
    expect(refused.headers['strict-transport-security']).toBeDefined();
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect((await send('POST', '/auth/login')).status).toBe(429); // same client, same strict bucket
    // Reads of the API are in their own bucket: still served, without Retry-After.
    const read = await send('GET', '/api/sources');
    expect(read.status).toBe(200);
    expect(read.headers['retry-after']).toBeUndefined();
  });

  it('limits the API per client and leaves the web alone; the access log records the 429s', async () => {
    // The test before spent part of this client's API bucket (its writes count there too); the
    // bucket refills at 20 r/s, so 2 s gives the whole burst of 40 back.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const web = await burst(100, 'GET', '/dashboard');
    expect(statuses(web)).toEqual({ 200: 100 });
    const api = statuses(await burst(100, 'GET', '/api/sources'));
    expect(api[200]).toBeGreaterThanOrEqual(40);
    expect(api[200]).toBeLessThan(70);
    expect(api[429]).toBe(100 - api[200]!);
    const logged = readFileSync(edge.accessLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string; status: number });
    expect(logged.filter((l) => l.status === 429 && l.path === '/api/sources')).toHaveLength(api[429]!);
  });

  it('skips the addresses in rate-limit-exempt (a load generator), and only those', async () => {
    const exempt = await startEdge({
      domains: DOMAINS,
      httpPort: await freePort(),
      httpsPort: await freePort(),
      webUpstreamPort: webPort,
      apiUpstreamPort: apiPort,
      installCertificate: (certDir) => writeSelfSigned(certDir, DOMAINS, 30),
      rateLimitExempt: ['10.0.0.0/8', '127.0.0.1'],
    });
    try {
      expect(statuses(await burst(100, 'GET', '/api/sources', exempt.httpsPort))).toEqual({ 200: 100 });
      expect(
        statuses(await burst(25, 'POST', '/api/sectors/legal/knowledge-sources', exempt.httpsPort)),
      ).toEqual({ 200: 25 });
    } finally {
      await exempt.stop();
    }
    // The shared edge, without the exemption, still limits the same client.
    expect(statuses(await burst(25, 'POST', '/api/sectors/legal/knowledge-sources'))[429]).toBeGreaterThan(0);
  });

  it('serves the internal listener (the web server-side API_URL) with /api only and no rate limit', async () => {
    // The same client just used up its public API bucket: the internal listener does not count it.
    const internal = await Promise.all(
      Array.from({ length: 100 }, () => get('http', internalPort, '/api/sources')),
    );
    expect(statuses(internal)).toEqual({ 200: 100 });
    expect(internal[0]!.headers['x-upstream']).toBe('api');
    expect(internal[0]!.headers['x-upstream-path']).toBe('/api/sources');
    expect(internal[0]!.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const page = await get('http', internalPort, '/dashboard');
    expect(page.status).toBe(404);
    expect(page.headers['x-upstream']).toBeUndefined();
    const logged = readFileSync(edge.accessLog, 'utf8');
    expect(logged).toContain(`"request_id":"${internal[0]!.headers['x-request-id']}"`);
  });
});
