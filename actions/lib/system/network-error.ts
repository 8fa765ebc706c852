// A network failure names what could not be reached, where (never credentials) and what to check
// next: a bare `connect ECONNREFUSED 127.0.0.1:1` does not say whether the database or the store failed.

/** A service a step talks to, as a failure should name it. */
export interface Service {
  /** e.g. `PostgreSQL database "app"`, `S3 store`. */
  name: string;
  /** host:port or a URL, without user or password. */
  address: string;
  /** The next step for whoever reads the failure. */
  hint: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

// Go tools (buildah, podman, docker, skopeo) print network errors as text, e.g. `dial tcp
// 127.0.0.1:5000: connect: connection refused`: the same failures, by the words Go uses.
const GO_NETWORK_ERRORS: [RegExp, string][] = [
  [/connect: connection refused/, 'ECONNREFUSED'],
  [/no such host|server misbehaving/, 'ENOTFOUND'],
  [/i\/o timeout|TLS handshake timeout|Client\.Timeout exceeded/, 'ETIMEDOUT'],
  [/connection reset by peer/, 'ECONNRESET'],
  [/network is unreachable/, 'ENETUNREACH'],
  [/no route to host/, 'EHOSTUNREACH'],
  [/server gave HTTP response to HTTPS client/, 'plain HTTP, not HTTPS'],
  [/x509: certificate|tls: failed to verify/, 'TLS certificate'],
];

/** The network failure a Go tool's output reports, if any. */
export function networkCodeInOutput(output: string): string | undefined {
  return GO_NETWORK_ERRORS.find(([pattern]) => pattern.test(output))?.[1];
}

/** The network error code of an error or of the errors it wraps (AggregateError, cause), if any. */
export function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const e = queue.shift() as
      { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
    if (e.name === 'TimeoutError') return 'timeout';
    const stderr = (e as { stderr?: unknown }).stderr;
    if (e.name === 'CommandError' && typeof stderr === 'string' && networkCodeInOutput(stderr))
      return networkCodeInOutput(stderr);
    if (
      typeof e.message === 'string' &&
      /socket hang up|Connection terminated unexpectedly|timeout expired|Timed out while waiting for handshake/i.test(
        e.message,
      )
    )
      return e.message;
    queue.push(e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}

/** A URL's address without user or password (or the text unchanged when it is not a URL). */
export function safeAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return url;
  }
}

/** Text (an error message) with the user:password@ of every URL in it removed. */
export function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, '//');
}

/**
 * Rewrites a network failure as "Could not reach <service> at <address> (<code>): <hint>"; other
 * errors are returned unchanged. The original stays the `cause`.
 */
export function explainNetworkError(error: unknown, service: Service): unknown {
  const code = networkCode(error);
  if (!code) return error;
  if (error instanceof Error && error.message.startsWith('Could not reach ')) return error;
  const explained = new Error(
    `Could not reach the ${service.name} at ${service.address} (${code}). ${service.hint}`,
    { cause: error },
  );
  return explained;
}
