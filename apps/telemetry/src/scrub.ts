// Secrets never reach a log line. Three layers, applied to every line by logger.ts:
//  - keys: a value under a sensitive key (authorization, cookie, set-cookie, password, token, secret,
//    api key, ...) is replaced, at any depth of a logged object;
//  - shapes: credentials inside text (user:password@ in URLs, Bearer/Basic tokens, sensitive query
//    parameters) are replaced wherever text is logged (messages, errors, URLs);
//  - values: the app's own secrets (DATABASE_URL, REDIS_URL, exporter headers), given at start-up,
//    are replaced literally, like GitHub masks a registered secret.

export const REDACTED = '[Redacted]';

const SENSITIVE_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|dsn)$|pass(word|wd|phrase)?$|secret|token|credential|private[-_]?key|session|database_url|redis_url/i;
const SENSITIVE_PARAM =
  '(?:[a-z_]*token|password|passwd|secret|api[-_]?key|key|signature|sig|code|auth|session|credential)';

const SHAPES: [RegExp, string][] = [
  // scheme://user:password@host → scheme://user:[Redacted]@host (also redis://:password@host)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]+@/gi, `$1:${REDACTED}@`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${REDACTED}`],
  // ?token=… in URLs, and a bare query string (url.query, query_string) starting with one.
  [new RegExp(`((?:^|[?&;])${SENSITIVE_PARAM}=)[^&#\\s"']*`, 'gi'), `$1${REDACTED}`],
];

export class Scrubber {
  private readonly secrets: string[];

  /** `secrets`: literal values to mask (each at least 6 characters; shorter ones would mask words). */
  constructor(secrets: (string | undefined)[] = []) {
    this.secrets = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 6))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** Adds the credentials of a connection URL (the whole URL and its password) as secrets. */
  static secretsOfUrl(url: string | undefined): string[] {
    if (!url) return [];
    try {
      const parsed = new URL(url);
      return [url, decodeURIComponent(parsed.password), parsed.password].filter(Boolean);
    } catch {
      return [url];
    }
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
    return out;
  }

  /**
   * A copy of `value` with sensitive keys and text replaced. Walks plain objects and arrays only
   * (Errors, requests and responses have their own serializers), at most `depth` levels deep.
   */
  value(value: unknown, depth = 6): unknown {
    if (typeof value === 'string') return this.text(value);
    if (depth === 0 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth - 1));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SENSITIVE_KEY.test(key) && item !== undefined ? REDACTED : this.value(item, depth - 1);
    }
    return out;
  }
}

/** True for a key whose value is always replaced. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}
