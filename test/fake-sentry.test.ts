// The fake Sentry must refuse what real Sentry refuses: each case sends what a wrong client would.
// (The right client, sentry-cli 3, is exercised in actions/sourcemap-upload's integration tests.)
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { crc32, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orgAuthToken, startFakeSentry, userAuthToken, type FakeSentry } from './fake-sentry';
import { FormatError, parseEnvelope, readSourceBundle, readZip } from './sentry-formats';

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');
const DEBUG_ID = '7e605c27-2468-59eb-b8ac-f0dc170e22f3';

let sentry: FakeSentry;
beforeEach(async () => {
  sentry = await startFakeSentry({ chunkSize: 64, chunksPerRequest: 2 });
});
afterEach(() => sentry.close());

function api(method: string, path: string, body?: unknown, token = sentry.token) {
  return fetch(`${sentry.url}/api/0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A multipart body the way curl's form API writes chunk uploads. */
function chunkForm(parts: { field: string; name: string; data: Buffer }[]) {
  const boundary = '------------------------abc123';
  const pieces = parts.flatMap((p) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${p.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    p.data,
    Buffer.from('\r\n'),
  ]);
  return {
    body: Buffer.concat([...pieces, Buffer.from(`--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

function postChunks(parts: { field: string; name: string; data: Buffer }[], token = sentry.token) {
  const form = chunkForm(parts);
  return fetch(`${sentry.url}/api/0/organizations/contextai/chunk-upload/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': form.type },
    body: form.body,
  });
}

/** A minimal stored-entries ZIP writer, with an optional prefix (a bundle header shifts offsets). */
function zip(entries: Record<string, string>, prefix = Buffer.alloc(0)): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = prefix.length;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([prefix, ...locals, cd, end]);
}

function sourceBundle(manifest: object, files: Record<string, string>): Buffer {
  const header = Buffer.from('SYSB\x02\x00\x00\x00', 'latin1');
  return zip({ 'manifest.json': JSON.stringify(manifest), ...files }, header);
}

const BUNDLE_FILES = {
  'files/_/_/main.js': 'console.log(1)\n//# debugId=' + DEBUG_ID,
  'files/_/_/main.js.map': '{}',
};
const MANIFEST = {
  files: {
    'files/_/_/main.js': { type: 'minified_source', url: '~/main.js', headers: { 'debug-id': DEBUG_ID } },
    'files/_/_/main.js.map': { type: 'source_map', url: '~/main.js.map', headers: { 'debug-id': DEBUG_ID } },
  },
  debug_id: '9e6100d1-f1fc-5831-b8fb-f70e11e33924',
  org: 'contextai',
};

/** Uploads `bundle` in 64-byte chunks, two per request, gzip as sentry-cli sends them. */
async function uploadBundle(bundle: Buffer) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bundle.length; i += 64) chunks.push(bundle.subarray(i, i + 64));
  for (let i = 0; i < chunks.length; i += 2) {
    const res = await postChunks(
      chunks.slice(i, i + 2).map((c) => ({ field: 'file_gzip', name: sha1(c), data: gzipSync(c) })),
    );
    expect(res.status).toBe(200);
  }
  return { checksum: sha1(bundle), chunks: chunks.map(sha1) };
}

describe('fake Sentry web API', () => {
  it('checks the bearer token and the organization', async () => {
    const noAuth = await fetch(`${sentry.url}/api/0/organizations/contextai/chunk-upload/`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const wrong = await api('GET', '/organizations/contextai/chunk-upload/', undefined, userAuthToken());
    expect([wrong.status, await wrong.json()]).toEqual([401, { detail: 'Invalid token' }]);
    expect((await api('GET', '/organizations/other/chunk-upload/')).status).toBe(404);
    expect((await api('GET', '/organizations/contextai/chunk-upload')).status).toBe(404); // Django routes end in /
    const options = await (await api('GET', '/organizations/contextai/chunk-upload/')).json();
    expect(options).toMatchObject({
      url: `${sentry.url}/api/0/organizations/contextai/chunk-upload/`,
      chunkSize: 64,
      chunksPerRequest: 2,
      hashAlgorithm: 'sha1',
      compression: ['gzip'],
      accept: expect.arrayContaining(['artifact_bundles', 'artifact_bundles_v2']),
    });
  });

  it('stores a chunk only under the sha1 of its decoded bytes, within the announced limits', async () => {
    const data = Buffer.from('hello chunk');
    const wrongName = await postChunks([
      { field: 'file_gzip', name: sha1(Buffer.from('other')), data: gzipSync(data) },
    ]);
    expect([wrongName.status, await wrongName.json()]).toEqual([400, { error: 'Checksum mismatch' }]);
    // The sha1 of the compressed bytes is not the chunk's name either.
    const gz = gzipSync(data);
    expect((await postChunks([{ field: 'file_gzip', name: sha1(gz), data: gz }])).status).toBe(400);
    const tooMany = await postChunks(
      [1, 2, 3].map((n) => ({ field: 'file', name: sha1(Buffer.from([n])), data: Buffer.from([n]) })),
    );
    expect([tooMany.status, await tooMany.json()]).toEqual([400, { error: 'Too many chunks' }]);
    const big = Buffer.alloc(65, 1);
    expect(await (await postChunks([{ field: 'file', name: sha1(big), data: big }])).json()).toEqual({
      error: 'Chunk size too large',
    });
    expect((await postChunks([{ field: 'file_gzip', name: sha1(data), data }])).status).toBe(400); // not gzip
    expect(sentry.chunks.size).toBe(0);

    expect((await postChunks([{ field: 'file', name: sha1(data), data }])).status).toBe(200);
    expect(sentry.chunks.get(sha1(data))?.toString()).toBe('hello chunk');
  });

  it('assembles: missing chunks first, then created, then ok; the bundle is unzipped for tests', async () => {
    const bundle = sourceBundle(MANIFEST, BUNDLE_FILES);
    const request = {
      checksum: sha1(bundle),
      chunks: [] as string[],
      projects: ['contextai-api'],
      version: 'v1',
    };
    for (let i = 0; i < bundle.length; i += 64) request.chunks.push(sha1(bundle.subarray(i, i + 64)));
    const assemble = async () =>
      (await api('POST', '/organizations/contextai/artifactbundle/assemble/', request)).json();

    expect(await assemble()).toEqual({ state: 'not_found', missingChunks: [...new Set(request.chunks)] });
    await uploadBundle(bundle);
    expect(await assemble()).toEqual({ state: 'created', missingChunks: [] });
    expect(await assemble()).toEqual({ state: 'ok', detail: null, missingChunks: [] });
    expect(sentry.bundles).toHaveLength(1);
    expect(sentry.bundles[0]).toMatchObject({
      manifest: MANIFEST,
      release: 'v1',
      projects: ['contextai-api'],
    });
    expect(sentry.bundles[0]!.files.get('files/_/_/main.js')?.toString()).toContain(DEBUG_ID);
  });

  it('reports assembly errors as the server does: wrong checksum, not a bundle, no debug IDs and no release', async () => {
    const cases: [Buffer, Record<string, unknown>, string][] = [
      [sourceBundle(MANIFEST, BUNDLE_FILES), { checksum: 'f'.repeat(40) }, 'Reported checksum mismatch'],
      [zip({ 'manifest.json': '{}' }), {}, 'the bundle is invalid'],
      [
        sourceBundle(
          { ...MANIFEST, files: { 'files/_/_/a.js': { type: 'minified_source', url: '~/a.js' } } },
          { 'files/_/_/a.js': 'x' },
        ),
        {},
        'uploading a bundle without debug ids or release is prohibited',
      ],
    ];
    for (const [bundle, override, detail] of cases) {
      const { checksum, chunks } = await uploadBundle(bundle);
      const request = { checksum, chunks, projects: ['contextai-api'], ...override };
      const first = await api('POST', '/organizations/contextai/artifactbundle/assemble/', request);
      expect(((await first.json()) as { state: string }).state).toBe('created');
      expect(
        await (await api('POST', '/organizations/contextai/artifactbundle/assemble/', request)).json(),
      ).toEqual({
        state: 'error',
        detail,
        missingChunks: [],
      });
    }
    expect(sentry.bundles).toHaveLength(0);
  });

  it('validates the assemble request like its JSON schema', async () => {
    const good = { checksum: 'a'.repeat(40), chunks: ['a'.repeat(40)], projects: ['contextai-api'] };
    const post = async (body: object) => {
      const res = await api('POST', '/organizations/contextai/artifactbundle/assemble/', body);
      return [res.status, ((await res.json()) as { error?: string }).error];
    };
    expect(await post({ ...good, extra: 1 })).toEqual([400, 'Additional properties are not allowed (extra)']);
    expect((await post({ ...good, checksum: 'XYZ' }))[0]).toBe(400);
    expect(await post({ ...good, projects: [] })).toEqual([400, 'You need to specify at least one project']);
    expect(await post({ ...good, projects: ['nope'] })).toEqual([400, 'One or more projects are invalid']);
    expect((await post({ ...good, version: 'a/b' }))[0]).toBe(400);
  });

  it('creates releases (208 when they exist), finalizes them and records deploys', async () => {
    expect(
      (
        await api('POST', '/organizations/contextai/releases/', {
          version: 'v1',
          projects: ['contextai-api'],
        })
      ).status,
    ).toBe(201);
    const again = await api('POST', '/organizations/contextai/releases/', {
      version: 'v1',
      projects: ['contextai-api'],
    });
    expect(again.status).toBe(208);
    expect(await again.json()).toMatchObject({
      version: 'v1',
      dateReleased: null,
      projects: [{ slug: 'contextai-api' }],
    });
    expect(
      (await api('POST', '/organizations/contextai/releases/', { version: 'v2', projects: ['ghost'] }))
        .status,
    ).toBe(400);
    expect(
      (
        await api('POST', '/organizations/contextai/releases/', {
          version: 'latest',
          projects: ['contextai-api'],
        })
      ).status,
    ).toBe(400);

    expect(
      (await api('PUT', '/organizations/contextai/releases/v9/', { dateReleased: new Date().toISOString() }))
        .status,
    ).toBe(404);
    expect(
      (await api('PUT', '/organizations/contextai/releases/v1/', { dateReleased: 'yesterday' })).status,
    ).toBe(400);
    const released = new Date().toISOString();
    expect(
      (await api('PUT', '/organizations/contextai/releases/v1/', { dateReleased: released })).status,
    ).toBe(200);
    expect(sentry.releases.get('v1')?.dateReleased).toBe(released);

    expect((await api('POST', '/organizations/contextai/releases/v1/deploys/', {})).status).toBe(400);
    expect(
      (await api('POST', '/organizations/contextai/releases/v1/deploys/', { environment: 'a/b' })).status,
    ).toBe(400);
    expect(
      (await api('POST', '/organizations/contextai/releases/v9/deploys/', { environment: 'staging' })).status,
    ).toBe(404);
    const deploy = await api('POST', '/organizations/contextai/releases/v1/deploys/', {
      environment: 'staging',
      name: 'blue',
    });
    expect(deploy.status).toBe(201);
    expect(await deploy.json()).toMatchObject({ id: '1', environment: 'staging', name: 'blue' });
    expect(sentry.deploys).toMatchObject([{ release: 'v1', environment: 'staging' }]);
  });

  it('can fail on purpose: 503 answers and reset connections', async () => {
    sentry.failNext(503, 1);
    expect((await api('GET', '/organizations/contextai/chunk-upload/')).status).toBe(503);
    expect((await api('GET', '/organizations/contextai/chunk-upload/')).status).toBe(200);
    sentry.dropConnections(1);
    const fresh = () =>
      new Promise<number>((resolve, reject) =>
        get(`${sentry.url}/api/0/`, { agent: false }, (res) => resolve(res.resume().statusCode ?? 0)).on(
          'error',
          reject,
        ),
      );
    await expect(fresh()).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(await fresh()).toBe(404);
  });
});

describe('fake Sentry ingest (envelopes)', () => {
  const project = () => sentry.projects[0]!;
  const envelopeUrl = (query = '') => `${sentry.url}/api/${project().id}/envelope/${query}`;
  const event = { event_id: '9ec79c33ec9942ab8353589fcb2e04dc', message: 'boom', level: 'error' };
  /** Serialized as the JS SDK does: header line, then item header and payload lines. */
  const envelope = (header: object = { event_id: event.event_id, sent_at: new Date().toISOString() }) =>
    [JSON.stringify(header), JSON.stringify({ type: 'event' }), JSON.stringify(event)].join('\n');
  const auth = (key = project().publicKey) =>
    `Sentry sentry_version=7, sentry_key=${key}, sentry_client=test/1.0`;

  it('accepts an envelope authenticated by header, query or the envelope dsn, and keeps the event', async () => {
    const viaHeader = await fetch(envelopeUrl(), {
      method: 'POST',
      headers: { 'x-sentry-auth': auth() },
      body: envelope(),
    });
    expect([viaHeader.status, await viaHeader.json()]).toEqual([200, { id: event.event_id }]);
    const viaQuery = await fetch(
      envelopeUrl(`?sentry_version=7&sentry_key=${project().publicKey}&sentry_client=x`),
      {
        method: 'POST',
        body: envelope(),
      },
    );
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get('access-control-allow-origin')).toBe('*');
    const viaDsn = await fetch(envelopeUrl(), {
      method: 'POST',
      body: envelope({ dsn: sentry.dsn('contextai-api') }),
    });
    expect(viaDsn.status).toBe(200);
    expect(sentry.envelopes.map((e) => e.auth)).toEqual(['header', 'query', 'dsn']);
    expect(sentry.events).toEqual([event, event, event]);
  });

  it('refuses missing, duplicated, malformed and foreign keys', async () => {
    const post = (init: RequestInit, query = '') => fetch(envelopeUrl(query), { method: 'POST', ...init });
    expect((await post({ body: envelope() })).status).toBe(401); // no auth anywhere
    expect(
      (
        await post(
          { headers: { 'x-sentry-auth': auth() }, body: envelope() },
          `?sentry_key=${project().publicKey}`,
        )
      ).status,
    ).toBe(401);
    expect((await post({ headers: { 'x-sentry-auth': auth('not-hex') }, body: envelope() })).status).toBe(
      400,
    );
    expect(
      (await post({ headers: { 'x-sentry-auth': auth(sentry.projects[1]!.publicKey) }, body: envelope() }))
        .status,
    ).toBe(403);
    expect(
      (
        await post({
          headers: { 'x-sentry-auth': 'Sentry sentry_version=99, sentry_key=' + project().publicKey },
          body: envelope(),
        })
      ).status,
    ).toBe(400);
    expect(sentry.events).toHaveLength(0);
  });

  it('decodes gzip bodies and answers the browser preflight', async () => {
    const res = await fetch(envelopeUrl(), {
      method: 'POST',
      headers: { 'x-sentry-auth': auth(), 'content-encoding': 'gzip' },
      body: gzipSync(envelope()),
    });
    expect(res.status).toBe(200);
    expect(sentry.events).toEqual([event]);
    const preflight = await fetch(envelopeUrl(), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://web.local',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(preflight.headers.get('access-control-expose-headers')).toContain('x-sentry-rate-limits');
    const badGzip = await fetch(envelopeUrl(), {
      method: 'POST',
      headers: { 'x-sentry-auth': auth(), 'content-encoding': 'gzip' },
      body: 'plain',
    });
    expect(badGzip.status).toBe(400);
  });

  it('refuses bodies that are not envelopes', async () => {
    const post = (body: string) =>
      fetch(envelopeUrl(), { method: 'POST', headers: { 'x-sentry-auth': auth() }, body });
    expect((await post('')).status).toBe(400);
    expect((await post('{"event_id":1}\n{"no":"type"}\n{}')).status).toBe(400);
    expect((await post('{}\n{"type":"event"}\nnot json')).status).toBe(400);
    expect(
      (
        await post(
          `{}\n{"type":"event"}\n${JSON.stringify(event)}\n{"type":"event"}\n${JSON.stringify(event)}`,
        )
      ).status,
    ).toBe(400);
    expect(sentry.envelopes).toHaveLength(0);
  });
});

describe('sentry-formats', () => {
  it('parses length-prefixed binary payloads and implicit-length lines', () => {
    const attachment = Buffer.from([0x00, 0x0a, 0xff, 0x0a]);
    const body = Buffer.concat([
      Buffer.from('{"event_id":"x"}\n{"type":"attachment","length":4,"filename":"a.bin"}\n'),
      attachment,
      Buffer.from('\n{"type":"event"}\n{"message":"m"}\n'),
    ]);
    const parsed = parseEnvelope(body);
    expect(parsed.items.map((i) => i.header.type)).toEqual(['attachment', 'event']);
    expect(parsed.items[0]!.payload.equals(attachment)).toBe(true);
    expect(parsed.items[1]!.payload.toString()).toBe('{"message":"m"}');
    expect(() => parseEnvelope(Buffer.from('{}\n{"type":"attachment","length":10}\nshort'))).toThrow(
      FormatError,
    );
    expect(() => parseEnvelope(Buffer.from('{}\n{"type":"attachment","length":2}\nabc'))).toThrow(
      /trailing garbage/,
    );
  });

  it('reads zips with a prefix and checks CRCs; refuses bundles without the SYSB header', () => {
    const plain = zip({ 'a.txt': 'hello', 'dir/b.txt': 'world' });
    expect([...readZip(plain).entries()].map(([k, v]) => [k, v.toString()])).toEqual([
      ['a.txt', 'hello'],
      ['dir/b.txt', 'world'],
    ]);
    const corrupt = Buffer.from(plain);
    corrupt[30 + 'a.txt'.length] = 'j'.charCodeAt(0);
    expect(() => readZip(corrupt)).toThrow(/CRC or size mismatch/);
    expect(() => readSourceBundle(plain)).toThrow(/no SYSB magic/);
    const bundle = sourceBundle(MANIFEST, BUNDLE_FILES);
    expect(readSourceBundle(bundle).manifest).toEqual(MANIFEST);
    expect(() => readSourceBundle(sourceBundle(MANIFEST, {}))).toThrow(
      /manifest lists files\/_\/_\/main\.js/,
    );
  });

  it('makes org tokens the way sentry.io does (payload names org and server)', () => {
    const token = orgAuthToken('contextai', 'https://sentry.io');
    const [prefix, payload, secret] = token.split('_');
    expect(prefix).toBe('sntrys');
    expect(JSON.parse(Buffer.from(payload!, 'base64').toString())).toMatchObject({
      org: 'contextai',
      url: 'https://sentry.io',
    });
    expect(Buffer.from(secret!, 'base64')).toHaveLength(32);
  });
});
