// The browser's Sentry events go to this web server (same origin: the edge's Content-Security-Policy
// allows `connect-src 'self'` only, and ad blockers leave a first-party path alone), which forwards
// them to the ingest of the one DSN it is configured with. It is not an open relay: an envelope for
// any other DSN is refused, and so is a body over MAX_ENVELOPE_BYTES.
import { publishedSentryConfig } from './sentry';
/** Browser events with breadcrumbs are a few KiB; far below Relay's own limits. */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 5_000;

/** The parts of a DSN that name a project: scheme, host, path prefix, public key, project id. */
function parseDsn(dsn: string) {
  const url = new URL(dsn);
  const path = url.pathname.replace(/\/+$/, '');
  const slash = path.lastIndexOf('/');
  return {
    key: url.username,
    projectId: path.slice(slash + 1),
    envelopeUrl: `${url.protocol}//${url.host}${path.slice(0, slash)}/api/${path.slice(slash + 1)}/envelope/`,
  };
}

function sameProject(a: string, b: string): boolean {
  try {
    const [x, y] = [parseDsn(a), parseDsn(b)];
    return x.key === y.key && x.envelopeUrl === y.envelopeUrl;
  } catch {
    return false;
  }
}

/** The `dsn` of an envelope's header (its first line), or undefined. */
function envelopeDsn(body: Uint8Array): string | undefined {
  const end = body.indexOf(0x0a);
  try {
    const header = JSON.parse(new TextDecoder().decode(end === -1 ? body : body.subarray(0, end))) as {
      dsn?: unknown;
    };
    return typeof header.dsn === 'string' ? header.dsn : undefined;
  } catch {
    return undefined;
  }
}

export async function forwardEnvelope(request: Request): Promise<Response> {
  const config = publishedSentryConfig();
  if (!config) return new Response(null, { status: 404 });
  if (Number(request.headers.get('content-length') ?? 0) > MAX_ENVELOPE_BYTES)
    return new Response(null, { status: 413 });
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > MAX_ENVELOPE_BYTES) return new Response(null, { status: 413 });
  const dsn = envelopeDsn(body);
  if (!dsn || !sameProject(dsn, config.dsn)) return new Response(null, { status: 400 });
  try {
    const upstream = await fetch(parseDsn(config.dsn).envelopeUrl, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-sentry-envelope' },
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
    // The SDK backs off on these, as it would talking to Sentry directly.
    const headers = new Headers();
    for (const name of ['retry-after', 'x-sentry-rate-limits'])
      if (upstream.headers.has(name)) headers.set(name, upstream.headers.get(name)!);
    await upstream.body?.cancel();
    return new Response(null, { status: upstream.status, headers });
  } catch (error) {
    console.warn(`Sentry tunnel: forwarding failed: ${(error as Error).name}`);
    return new Response(null, { status: 502 });
  }
}
