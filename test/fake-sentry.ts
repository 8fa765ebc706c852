// A local stand-in for Sentry (no Sentry server can run here), speaking the two protocols our code
// uses, strictly enough that a wrong client fails:
// - the ingest endpoint SDKs send to: POST /api/<project id>/envelope/ (Relay's rules for auth,
//   encodings, envelope syntax and CORS), keeping every envelope and event for assertions;
// - the web API sentry-cli uses: chunk-upload options and chunk POSTs (sha1 of each decoded chunk),
//   artifactbundle/assemble (missing chunks first, then created → ok, with the bundle checked and
//   unzipped so tests read its manifest.json), releases and deploys; bearer token and org checked.
// Shapes follow getsentry/sentry (api/endpoints/chunk.py, organization_artifactbundle_assemble.py,
// tasks/assemble.py), getsentry/relay and sentry-cli 3 (src/api).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import {
  FormatError,
  parseEnvelope,
  parseMultipart,
  readSourceBundle,
  type Envelope,
  type SourceBundle,
} from './sentry-formats';

export interface FakeProject {
  slug: string;
  id: number;
  /** The DSN public key: 32 hex digits, as Relay requires. */
  publicKey: string;
}

export interface FakeSentryOptions {
  /** The one bearer token the API accepts (default: an org auth token for `org` at this server). */
  token?: string;
  org?: string;
  projects?: FakeProject[];
  /** Chunk-upload options the server announces (Sentry's defaults unless set). */
  chunkSize?: number;
  chunksPerRequest?: number;
  maxRequestSize?: number;
  concurrency?: number;
}

export interface StoredBundle extends SourceBundle {
  checksum: string;
  projects: string[];
  release?: string;
  dist?: string;
}

export interface FakeRelease {
  version: string;
  projects: string[];
  dateCreated: string;
  dateReleased: string | null;
  url: string | null;
}

export interface FakeDeploy {
  id: string;
  release: string;
  environment: string;
  name: string | null;
  url: string | null;
  dateStarted: string | null;
  dateFinished: string | null;
}

export interface ReceivedEnvelope extends Envelope {
  projectId: number;
  /** How the request authenticated: `header`, `query` or the envelope's `dsn`. */
  auth: 'header' | 'query' | 'dsn';
}

export interface FakeSentry {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the `url` input / SENTRY_URL). */
  url: string;
  org: string;
  token: string;
  projects: FakeProject[];
  /** `http://<key>@127.0.0.1:<port>/<id>` for a project slug. */
  dsn(slug: string): string;
  /** Every request: method, path (no query) and the status answered. */
  requests: { method: string; path: string; status: number }[];
  /** Uploaded chunks by sha1 (decoded). */
  chunks: Map<string, Buffer>;
  bundles: StoredBundle[];
  releases: Map<string, FakeRelease>;
  deploys: FakeDeploy[];
  envelopes: ReceivedEnvelope[];
  /** Payloads of `event` items, parsed. */
  events: Record<string, unknown>[];
  /** Answer the next `count` API requests with `status` (e.g. 503 to exercise client retries) and `detail`. */
  failNext(status: number, count: number, detail?: string): void;
  /** Reset the next `count` TCP connections before reading anything (a network failure). */
  dropConnections(count: number): void;
  close(): Promise<void>;
}

const MIB = 1024 * 1024;
const DEFAULT_PROJECTS: FakeProject[] = [
  { slug: 'contextai-api', id: 2, publicKey: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' },
  { slug: 'contextai-web', id: 3, publicKey: '0f9e8d7c6b5a49382716a5b4c3d2e1f0' },
];

/** Like sentry.io's org auth tokens: `sntrys_<base64 JSON {iat,url,region_url,org}>_<base64 32 bytes>`. */
export function orgAuthToken(org: string, url: string): string {
  const payload = { iat: Math.floor(Date.now() / 1000), url, region_url: url, org };
  const secret = randomBytes(32).toString('base64').replace(/=+$/, '');
  return `sntrys_${Buffer.from(JSON.stringify(payload)).toString('base64')}_${secret}`;
}

/** Like a personal (user) auth token: `sntryu_` + 64 hex digits; carries no org or URL. */
export function userAuthToken(): string {
  return `sntryu_${randomBytes(32).toString('hex')}`;
}

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(JSON.stringify(body));
  }
}

const NOT_FOUND = { detail: 'The requested resource does not exist' };

export async function startFakeSentry(options: FakeSentryOptions = {}): Promise<FakeSentry> {
  const org = options.org ?? 'contextai';
  const projects = options.projects ?? DEFAULT_PROJECTS;
  const chunkOptions = {
    chunkSize: options.chunkSize ?? 8 * MIB,
    chunksPerRequest: options.chunksPerRequest ?? 64,
    maxRequestSize: options.maxRequestSize ?? 32 * MIB,
    concurrency: options.concurrency ?? 8,
  };
  const assembleStates = new Map<string, { state: string; detail: string | null }>();
  let failures = { status: 0, count: 0, detail: '' };
  let drops = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const [status, body] =
        error instanceof HttpError ? [error.status, error.body] : [500, { detail: String(error) }];
      reply(req, res, status, body);
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    if (drops > 0) {
      drops -= 1;
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = options.token ?? orgAuthToken(org, url);

  const fake: FakeSentry = {
    url,
    org,
    token,
    projects,
    dsn: (slug) => {
      const project = projects.find((p) => p.slug === slug);
      if (!project) throw new Error(`no project ${slug}`);
      return `http://${project.publicKey}@${url.slice('http://'.length)}/${project.id}`;
    },
    requests: [],
    chunks: new Map(),
    bundles: [],
    releases: new Map(),
    deploys: [],
    envelopes: [],
    events: [],
    failNext: (status, count, detail = 'Service unavailable (injected by the test)') =>
      (failures = { status, count, detail }),
    dropConnections: (count) => (drops = count),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  function reply(req: IncomingMessage, res: ServerResponse, status: number, body?: object): void {
    fake.requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status });
    const headers: Record<string, string> = {};
    if (isEnvelopePath(req.url)) Object.assign(headers, CORS_HEADERS);
    if (body === undefined) return void res.writeHead(status, headers).end();
    headers['content-type'] = 'application/json';
    res.writeHead(status, headers).end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (isEnvelopePath(path)) return envelope(req, res, Number(/^\/api\/(\d+)\//.exec(path)![1]));
    if (!path.startsWith('/api/0/')) throw new HttpError(404, NOT_FOUND);
    if (failures.count > 0) {
      failures.count -= 1;
      throw new HttpError(failures.status, { detail: failures.detail });
    }
    const route = matchRoute(req.method ?? '', path.slice('/api/0'.length));
    if (!route) throw new HttpError(404, NOT_FOUND);
    authenticate(req);
    if (route.org !== org) throw new HttpError(404, NOT_FOUND);
    const body = await readBody(req);
    const result = await route.handler(body, req);
    reply(req, res, result.status, result.body);
  }

  function authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization;
    if (!header) throw new HttpError(401, { detail: 'Authentication credentials were not provided.' });
    if (header !== `Bearer ${token}`) throw new HttpError(401, { detail: 'Invalid token' });
  }

  type Result = { status: number; body?: object };
  type Handler = (body: Buffer, req: IncomingMessage) => Result | Promise<Result>;

  /** The API routes sentry-cli calls; every path ends with a slash, as Django's routes do. */
  function matchRoute(method: string, path: string): { org: string; handler: Handler } | undefined {
    const m = /^\/organizations\/([^/]+)\/(.*)$/.exec(path);
    if (!m) return undefined;
    const [, orgSlug, rest] = m as unknown as [string, string, string];
    const release = /^releases\/([^/]+)\/$/.exec(rest);
    const deploys = /^releases\/([^/]+)\/deploys\/$/.exec(rest);
    const handler: Handler | undefined =
      rest === 'chunk-upload/' && method === 'GET'
        ? () => ({ status: 200, body: chunkUploadOptions(orgSlug) })
        : rest === 'chunk-upload/' && method === 'POST'
          ? uploadChunks
          : rest === 'artifactbundle/assemble/' && method === 'POST'
            ? (body) => assemble(json(body))
            : rest === 'releases/' && method === 'POST'
              ? (body) => createRelease(json(body))
              : release && method === 'GET'
                ? () => ({ status: 200, body: releaseJson(findRelease(release[1]!)) })
                : release && method === 'PUT'
                  ? (body) => updateRelease(findRelease(release[1]!), json(body))
                  : deploys && method === 'POST'
                    ? (body) => createDeploy(findRelease(deploys[1]!), json(body))
                    : deploys && method === 'GET'
                      ? () => ({ status: 200, body: fake.deploys.filter((d) => d.release === deploys[1]) })
                      : undefined;
    return handler && { org: decodeURIComponent(orgSlug), handler };
  }

  function chunkUploadOptions(orgSlug: string) {
    return {
      url: `${url}/api/0/organizations/${orgSlug}/chunk-upload/`,
      ...chunkOptions,
      maxFileSize: 2048 * MIB,
      hashAlgorithm: 'sha1',
      compression: ['gzip'],
      accept: [
        'debug_files',
        'release_files',
        'pdbs',
        'sources',
        'bcsymbolmaps',
        'il2cpp',
        'portablepdbs',
        'artifact_bundles',
        'artifact_bundles_v2',
        'proguard',
      ],
    };
  }

  /** Chunks arrive as `file` parts (gzip when Content-Encoding says so) or legacy `file_gzip` parts. */
  function uploadChunks(body: Buffer, req: IncomingMessage): Result {
    const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
    if (encoding && encoding !== 'gzip')
      return { status: 400, body: { error: 'Unsupported Content-Encoding' } };
    const parts = formParts(body, req.headers['content-type']).filter(
      (p) => p.name === 'file' || p.name === 'file_gzip',
    );
    if (encoding && parts.some((p) => p.name === 'file_gzip'))
      return { status: 400, body: { error: 'Cannot combine Content-Encoding with file_gzip field' } };
    if (parts.length > chunkOptions.chunksPerRequest)
      return { status: 400, body: { error: 'Too many chunks' } };
    let total = 0;
    const received: [string, Buffer][] = [];
    for (const part of parts) {
      const data = part.name === 'file_gzip' || encoding === 'gzip' ? gunzip(part.data) : part.data;
      if (data.length > chunkOptions.chunkSize)
        return { status: 400, body: { error: 'Chunk size too large' } };
      total += data.length;
      if (total > chunkOptions.maxRequestSize) return { status: 400, body: { error: 'Request too large' } };
      if (part.filename !== sha1(data)) return { status: 400, body: { error: 'Checksum mismatch' } };
      received.push([part.filename, data]);
    }
    for (const [checksum, data] of received) fake.chunks.set(checksum, data);
    return { status: 200 };
  }

  /** Missing chunks first; with all chunks present the bundle is assembled: `created`, then its state. */
  function assemble(body: Record<string, unknown>): Result {
    const allowed = new Set(['version', 'dist', 'projects', 'checksum', 'chunks']);
    const unknown = Object.keys(body).filter((key) => !allowed.has(key));
    if (unknown.length > 0)
      return {
        status: 400,
        body: { error: `Additional properties are not allowed (${unknown.join(', ')})` },
      };
    const { checksum, chunks, projects: bundleProjects, version, dist } = body;
    const hex40 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{40}$/.test(v);
    if (!hex40(checksum))
      return {
        status: 400,
        body: { error: 'The checksum field is required and must be a 40-character hexadecimal string.' },
      };
    if (!Array.isArray(chunks) || !chunks.every(hex40))
      return {
        status: 400,
        body: {
          error:
            'The chunks field is required and must be provided as an array of 40-character hexadecimal strings.',
        },
      };
    if (!Array.isArray(bundleProjects) || !bundleProjects.every((p) => typeof p === 'string'))
      return {
        status: 400,
        body: { error: 'The projects field is required and must be provided as an array of strings.' },
      };
    if (bundleProjects.length === 0)
      return { status: 400, body: { error: 'You need to specify at least one project' } };
    if (!bundleProjects.every((p) => projects.some((known) => known.slug === p || String(known.id) === p)))
      return { status: 400, body: { error: 'One or more projects are invalid' } };
    if (version !== undefined && (typeof version !== 'string' || !/^[^/]+$/.test(version)))
      return {
        status: 400,
        body: { error: 'The version field cannot be empty and cannot contain any "/" characters.' },
      };

    const missingChunks = [...new Set(chunks as string[])].filter((c) => !fake.chunks.has(c));
    if (missingChunks.length > 0) return { status: 200, body: { state: 'not_found', missingChunks } };
    const known = assembleStates.get(checksum as string);
    if (known) return { status: 200, body: { ...known, missingChunks: [] } };
    if (chunks.length === 0) return { status: 200, body: { state: 'not_found', missingChunks: [] } };
    if (!version && dist !== undefined)
      return { status: 400, body: { error: 'You need to specify a release together with a dist' } };
    assembleStates.set(
      checksum as string,
      assembleBundle(checksum as string, chunks as string[], bundleProjects as string[], version, dist),
    );
    return { status: 200, body: { state: 'created', missingChunks: [] } };
  }

  function assembleBundle(
    checksum: string,
    chunks: string[],
    bundleProjects: string[],
    version: unknown,
    dist: unknown,
  ): { state: string; detail: string | null } {
    const data = Buffer.concat(chunks.map((c) => fake.chunks.get(c)!));
    if (sha1(data) !== checksum) return { state: 'error', detail: 'Reported checksum mismatch' };
    let bundle: SourceBundle;
    try {
      bundle = readSourceBundle(data);
    } catch {
      return { state: 'error', detail: 'the bundle is invalid' };
    }
    const hasDebugIds = Object.values(bundle.manifest.files).some((f) => f.headers?.['debug-id']);
    if (!hasDebugIds && !version)
      return { state: 'error', detail: 'uploading a bundle without debug ids or release is prohibited' };
    fake.bundles.push({
      ...bundle,
      checksum,
      projects: bundleProjects,
      ...(typeof version === 'string' ? { release: version } : {}),
      ...(typeof dist === 'string' ? { dist } : {}),
    });
    return { state: 'ok', detail: null };
  }

  function createRelease(body: Record<string, unknown>): Result {
    const version = body.version;
    if (typeof version !== 'string' || !validVersion(version))
      return { status: 400, body: { version: ['Release with this name is not allowed'] } };
    const releaseProjects = body.projects;
    if (!Array.isArray(releaseProjects) || releaseProjects.length === 0)
      return { status: 400, body: { projects: ['This field is required.'] } };
    if (!releaseProjects.every((p) => projects.some((known) => known.slug === p || known.id === p)))
      return { status: 400, body: { projects: ['Invalid project ids or slugs'] } };
    const existing = fake.releases.get(version);
    if (existing) return { status: 208, body: releaseJson(existing) };
    const release: FakeRelease = {
      version,
      projects: releaseProjects.map(String),
      dateCreated: new Date().toISOString(),
      dateReleased: typeof body.dateReleased === 'string' ? body.dateReleased : null,
      url: typeof body.url === 'string' ? body.url : null,
    };
    fake.releases.set(version, release);
    return { status: 201, body: releaseJson(release) };
  }

  function updateRelease(release: FakeRelease, body: Record<string, unknown>): Result {
    const allowed = new Set(['version', 'projects', 'url', 'dateReleased', 'refs', 'commits', 'status']);
    const unknown = Object.keys(body).filter((key) => !allowed.has(key));
    if (unknown.length > 0) return { status: 400, body: { detail: `Unknown fields: ${unknown.join(', ')}` } };
    if (body.dateReleased !== undefined) {
      if (typeof body.dateReleased !== 'string' || Number.isNaN(Date.parse(body.dateReleased)))
        return { status: 400, body: { dateReleased: ['Datetime has wrong format.'] } };
      release.dateReleased = body.dateReleased;
    }
    if (typeof body.url === 'string') release.url = body.url;
    return { status: 200, body: releaseJson(release) };
  }

  function createDeploy(release: FakeRelease, body: Record<string, unknown>): Result {
    const environment = body.environment;
    if (typeof environment !== 'string' || !environment)
      return { status: 400, body: { environment: ['This field is required.'] } };
    if (!/^[^/\r\n\f\t]{1,64}$/.test(environment) || environment === '.' || environment === '..')
      return { status: 400, body: { environment: ['Invalid environment name'] } };
    const date = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null);
    const deploy: FakeDeploy = {
      id: String(fake.deploys.length + 1),
      release: release.version,
      environment,
      name: typeof body.name === 'string' ? body.name : null,
      url: typeof body.url === 'string' ? body.url : null,
      dateStarted: date(body.dateStarted),
      dateFinished: date(body.dateFinished) ?? new Date().toISOString(),
    };
    fake.deploys.push(deploy);
    const { release: _release, ...shown } = deploy;
    return { status: 201, body: shown };
  }

  function findRelease(encoded: string): FakeRelease {
    const release = fake.releases.get(decodeURIComponent(encoded));
    if (!release) throw new HttpError(404, NOT_FOUND);
    return release;
  }

  function releaseJson(release: FakeRelease) {
    return {
      version: release.version,
      shortVersion: release.version,
      url: release.url,
      dateCreated: release.dateCreated,
      dateReleased: release.dateReleased,
      newGroups: 0,
      lastEvent: null,
      lastCommit: null,
      projects: release.projects.map((slug) => ({ slug, name: slug })),
    };
  }

  /** The ingest endpoint, with Relay's auth rules: one of header, query or envelope `dsn`. */
  async function envelope(req: IncomingMessage, res: ServerResponse, projectId: number): Promise<void> {
    if (req.method === 'OPTIONS') return reply(req, res, 200);
    if (req.method !== 'POST') throw new HttpError(405, { detail: 'method not allowed' });
    const project = projects.find((p) => p.id === projectId);
    const body = decodeBody(await readBody(req), req.headers['content-encoding']);
    if (body.length === 0) throw new HttpError(400, { detail: 'empty request body' });
    const { key, auth } = envelopeAuth(req, body);
    if (!/^[0-9a-f]{32}$/.test(key)) throw new HttpError(400, { detail: 'bad sentry DSN public key' });
    if (!project || project.publicKey !== key)
      throw new HttpError(403, { detail: 'event submission rejected with_reason: ProjectId' });
    let parsed: Envelope;
    try {
      parsed = parseEnvelope(body);
    } catch (error) {
      throw new HttpError(400, { detail: `invalid envelope: ${(error as Error).message}` });
    }
    const events = parsed.items.filter((item) => item.header.type === 'event');
    if (events.length > 1) throw new HttpError(400, { detail: 'duplicate event item' });
    const event = events[0] && jsonPayload(events[0].payload);
    fake.envelopes.push({ ...parsed, projectId, auth });
    if (event) fake.events.push(event);
    const id = (event?.event_id ?? parsed.header.event_id) as string | undefined;
    reply(req, res, 200, id ? { id } : {});
  }

  return fake;
}

/** Relay answers browsers from any origin (its CORS layer), and exposes its rate-limit headers. */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers':
    'x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, authentication, authorization, content-encoding, transfer-encoding',
  'access-control-expose-headers': 'x-sentry-error, x-sentry-rate-limits, retry-after',
  'access-control-max-age': '3600',
};

const isEnvelopePath = (path: string | undefined) => /^\/api\/\d+\/envelope\/(\?|$)/.test(path ?? '');

/** `sentry_key` from exactly one place: X-Sentry-Auth / `Authorization: Sentry …`, the query, or the envelope's dsn. */
function envelopeAuth(req: IncomingMessage, body: Buffer): { key: string; auth: ReceivedEnvelope['auth'] } {
  const headerAuth = [req.headers['x-sentry-auth'], req.headers.authorization]
    .filter((h): h is string => typeof h === 'string' && /^sentry /i.test(h))
    .map((h) => h.slice('sentry '.length));
  const query = new URL(req.url ?? '/', 'http://fake').searchParams;
  const queryAuth = query.get('sentry_key');
  if (headerAuth.length + (queryAuth !== null ? 1 : 0) > 1)
    throw new HttpError(401, { detail: 'multiple authorization payloads detected' });
  if (headerAuth.length === 1) {
    const pairs = new Map(
      headerAuth[0]!.split(',').map((pair) => pair.trim().split('=', 2) as [string, string]),
    );
    const key = pairs.get('sentry_key');
    if (!key) throw new HttpError(401, { detail: 'bad x-sentry-auth header' });
    checkVersion(pairs.get('sentry_version'));
    return { key, auth: 'header' };
  }
  if (queryAuth !== null) {
    checkVersion(query.get('sentry_version') ?? undefined);
    return { key: queryAuth, auth: 'query' };
  }
  const firstLine = body.subarray(0, body.indexOf(0x0a) === -1 ? body.length : body.indexOf(0x0a));
  let dsn: unknown;
  try {
    dsn = (JSON.parse(firstLine.toString('utf8')) as { dsn?: unknown }).dsn;
  } catch {
    throw new HttpError(401, { detail: 'bad envelope authentication header' });
  }
  if (typeof dsn !== 'string') throw new HttpError(401, { detail: 'missing authorization information' });
  try {
    return { key: decodeURIComponent(new URL(dsn).username), auth: 'dsn' };
  } catch {
    throw new HttpError(401, { detail: 'bad envelope authentication header' });
  }
}

function checkVersion(version: string | undefined): void {
  if (version !== undefined && !(Number(version) >= 1 && Number(version) <= 7))
    throw new HttpError(400, { detail: `unsupported protocol version (${version})` });
}

function decodeBody(body: Buffer, encoding: string | string[] | undefined): Buffer {
  const name = String(encoding ?? 'identity').toLowerCase();
  try {
    if (name === 'identity') return body;
    if (name === 'gzip') return gunzipSync(body);
    if (name === 'deflate') return inflateSync(body);
    if (name === 'br') return brotliDecompressSync(body);
  } catch {
    throw new HttpError(400, { detail: `invalid ${name} body` });
  }
  throw new HttpError(415, { detail: `unsupported content encoding ${name}` });
}

/** A JSON object from `body`, or an HttpError 400 with `error` as its body. */
function jsonObject(body: Buffer, error: object): Record<string, unknown> {
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, error);
}

const json = (body: Buffer) => jsonObject(body, { error: 'Invalid json body' });
const jsonPayload = (payload: Buffer) =>
  jsonObject(payload, { detail: 'event payload is not a JSON object' });

function formParts(body: Buffer, contentType: string | undefined) {
  try {
    return parseMultipart(body, contentType);
  } catch (error) {
    throw new HttpError(400, { error: `Malformed multipart body: ${(error as FormatError).message}` });
  }
}

function gunzip(data: Buffer): Buffer {
  try {
    return gunzipSync(data);
  } catch {
    throw new HttpError(400, { error: 'Invalid gzip chunk' });
  }
}

/** Sentry's release name rules: no slash or line breaks, not `.`/`..`/`latest`, at most 200 characters. */
function validVersion(version: string): boolean {
  return (
    version.length > 0 &&
    version.length <= 200 &&
    version.trim() === version &&
    !/[/\n\r\t\f\v]/.test(version) &&
    !['.', '..', 'latest'].includes(version)
  );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}
