/**
 * What an auth token says about itself. Organization tokens (`sntrys_<payload>_<secret>`) carry
 * their organization and server in a base64 JSON payload, and sentry-cli prefers those over
 * `--org` and SENTRY_URL (with only a warning): a token for another server would silently receive
 * the upload. The payload is not the secret part, but we still never print the token itself.
 */
export type TokenKind =
  | { kind: 'org'; org: string; url: string }
  | { kind: 'org-unreadable' }
  | { kind: 'user' }
  | { kind: 'other' };

export function describeToken(token: string): TokenKind {
  if (token.startsWith('sntryu_')) return { kind: 'user' };
  if (!token.startsWith('sntrys_')) return { kind: 'other' };
  const segments = token.split('_');
  if (segments.length !== 3) return { kind: 'org-unreadable' };
  try {
    const payload = JSON.parse(Buffer.from(segments[1]!, 'base64').toString('utf8')) as {
      org?: unknown;
      url?: unknown;
    };
    if (typeof payload.org !== 'string') return { kind: 'org-unreadable' };
    return { kind: 'org', org: payload.org, url: typeof payload.url === 'string' ? payload.url : '' };
  } catch {
    return { kind: 'org-unreadable' };
  }
}

/** Scheme, host and port, lower-cased: `https://Sentry.io/` and `https://sentry.io` are one server. */
export function sameServer(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * Strings to keep out of every log: the token, and the secret segment of an organization token on
 * its own (the payload before it only names the organization and server).
 */
export function tokenSecrets(token: string): string[] {
  const segments = token.split('_');
  const secret = token.startsWith('sntrys_') && segments.length === 3 ? segments[2]! : '';
  return secret.length >= 16 ? [token, secret] : [token];
}
