// Checks a request's bearer token (an Auth0 access token): signature against the issuer's JWKS,
// issuer, audience, expiry, then the write permission. Says only which of the four failure reasons
// applies (the `auth_failures_total` label); the client never learns which check failed.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthFailureReason } from '../observability/api-metrics';

export interface TokenSettings {
  issuer?: string;
  audience?: string;
  jwksUrl?: string;
  permission: string;
}

export type TokenCheck = { ok: true; subject: string } | { ok: false; reason: AuthFailureReason };

/** Asymmetric algorithms only: `none` and HS256 (a shared secret) are refused whatever the header says. */
const ALGORITHMS = ['RS256', 'PS256', 'ES256'];
const CLOCK_TOLERANCE_S = 5;

/** The issuer's signing keys could not be fetched: a server problem, not the client's (503). */
export class KeySetUnavailableError extends Error {}

export class TokenVerifier {
  private readonly keys?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: TokenSettings) {
    const url =
      settings.jwksUrl ??
      (settings.issuer ? new URL('.well-known/jwks.json', withSlash(settings.issuer)).href : undefined);
    // jose caches the set, refetches on an unknown kid (at most every 30 s) and times out after 5 s.
    if (url)
      this.keys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  }

  /** Whether writes can be authorised at all (issuer and audience configured). */
  get configured(): boolean {
    return this.keys !== undefined && this.settings.audience !== undefined;
  }

  /** Checks an `Authorization` header value; throws KeySetUnavailableError when the JWKS is unreachable. */
  async check(authorization: string | undefined): Promise<TokenCheck> {
    const token = bearerToken(authorization);
    if (token === undefined) return { ok: false, reason: 'missing' };
    if (token === '' || !this.keys) return { ok: false, reason: 'invalid' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (isKeySetFailure(error))
        throw new KeySetUnavailableError(
          `the signing keys could not be fetched: ${(error as Error).message}`,
        );
      return { ok: false, reason: 'invalid' };
    }
    if (!grants(payload, this.settings.permission)) return { ok: false, reason: 'forbidden' };
    return { ok: true, subject: String(payload.sub) };
  }
}

/** The token of `Bearer <token>`; undefined when no credentials were sent, '' when they are not a bearer token. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match ? match[1]! : '';
}

/** Auth0 puts RBAC permissions in `permissions`, OAuth scopes in `scope` (space-separated). */
function grants(payload: JWTPayload, permission: string): boolean {
  const permissions = Array.isArray(payload.permissions) ? payload.permissions : [];
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  return permissions.includes(permission) || scopes.includes(permission);
}

/** A failure to get the key set (network, timeout, not a JWKS), as opposed to a bad token. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  return !(error instanceof errors.JOSEError);
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
