import { RULES } from '../action/inputs';

/** Everything that differs between installations of the edge config. */
export interface ProxyParams {
  /** Served names; the certificate must cover all of them. */
  domains: string[];
  /** Directory holding `fullchain.pem` and `privkey.pem` (the ssl-renew action's `cert-dir`). */
  certDir: string;
  /** Served at `/.well-known/acme-challenge/` on port 80 (the ssl-renew action's `webroot`). */
  webroot: string;
  /**
   * The upstream include files deploy-ssh writes (`server 127.0.0.1:<port>;`). The last path element
   * may be a glob (`<root>/web/upstream*.conf`): nginx accepts a glob that matches nothing, so the
   * edge can be deployed before the app's first release.
   */
  webUpstreamConf: string;
  apiUpstreamConf: string;
  webUpstreamName: string;
  apiUpstreamName: string;
  /** The JSON access log (one object per request: time, request id, method, path, status, timings). */
  accessLog: string;
  /** nginx `listen` addresses: `80`, `[::]:80`, `127.0.0.1:5080`. */
  httpListen: string[];
  httpsListen: string[];
  /**
   * Loopback `listen` addresses of the internal listener (plain HTTP, `/api/` only, no rate limit):
   * the web's server-side calls reach the API through the edge on the same host (its `API_URL`).
   * Empty: no internal listener.
   */
  internalListen: string[];
  hsts: string;
  csp: string;
  permissionsPolicy: string;
  /**
   * Client addresses or CIDR ranges the rate limits do not apply to (an internal monitor, a load
   * generator); none by default.
   */
  rateLimitExempt: string[];
}

export const DEFAULTS = {
  certDir: '/etc/ssl/contextai',
  webroot: '/var/www/acme',
  webUpstreamConf: '/srv/deploy/web/upstream.conf',
  apiUpstreamConf: '/srv/deploy/api/upstream.conf',
  webUpstreamName: 'contextai_web',
  apiUpstreamName: 'contextai_api',
  accessLog: '/var/log/nginx/contextai.access.json.log',
  httpListen: ['80', '[::]:80'],
  httpsListen: ['443', '[::]:443'],
  internalListen: [],
  // Two years, the HSTS preload list's minimum; subdomains are left to their own servers.
  hsts: 'max-age=63072000',
  csp: [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  permissionsPolicy: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  rateLimitExempt: [] as string[],
} satisfies Omit<ProxyParams, 'domains'>;

const ABSOLUTE_PATH = /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]*$/;
/** An absolute path whose last element may hold `*` (an nginx include glob). */
const INCLUDE_PATH = /^\/(?!.*(^|\/)\.\.(\/|$))(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._*-]+$/;
const LISTEN = /^(?:(?:\d{1,3}\.){3}\d{1,3}:|\[[0-9A-Fa-f:]+\]:)?(\d{1,5})$/;
// An IPv4 or IPv6 address, optionally with a prefix length (nginx `geo` syntax).
const CIDR = /^(?:(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:\/\d{1,3})?)$/;
const LOOPBACK_LISTEN = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):\d{1,5}$/;
const UPSTREAM_NAME = /^[a-z][a-z0-9_]{0,62}$/;
// A header value inside nginx double quotes: printable ASCII without `"`, `\` or `$` (nginx variables).
const HEADER_VALUE = /^[\x20-\x21\x23\x25-\x5b\x5d-\x7e]{1,2000}$/;

/**
 * Lists every parameter that would make a broken or injectable config, by name and
 * rule (values are configuration, not secrets, but a rule reads better than an echo).
 */
export function validateParams(p: ProxyParams): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => ok || problems.push(message);
  check(p.domains.length > 0, '`domains` is required (at least one name)');
  p.domains.forEach((d, i) =>
    check(RULES.hostname.pattern.test(d), `\`domains\` item #${i + 1} is not a DNS name`),
  );
  for (const [name, path] of [
    ['cert-dir', p.certDir],
    ['webroot', p.webroot],
    ['access-log', p.accessLog],
  ] as const) {
    check(
      ABSOLUTE_PATH.test(path),
      `\`${name}\` must be an absolute path of letters, digits, \`._-/\` (no \`..\`)`,
    );
  }
  for (const [name, path] of [
    ['web-upstream-conf', p.webUpstreamConf],
    ['api-upstream-conf', p.apiUpstreamConf],
  ] as const) {
    check(
      INCLUDE_PATH.test(path),
      `\`${name}\` must be an absolute path of letters, digits, \`._-/\` (no \`..\`; \`*\` in the file name only)`,
    );
  }
  for (const [name, value] of [
    ['web-upstream-name', p.webUpstreamName],
    ['api-upstream-name', p.apiUpstreamName],
  ] as const) {
    check(UPSTREAM_NAME.test(value), `\`${name}\` must match ${UPSTREAM_NAME}`);
  }
  check(p.webUpstreamName !== p.apiUpstreamName, '`web-upstream-name` and `api-upstream-name` must differ');
  for (const [name, list] of [
    ['http-listen', p.httpListen],
    ['https-listen', p.httpsListen],
  ] as const) {
    check(list.length > 0, `\`${name}\` needs at least one address`);
    list.forEach((l, i) =>
      check(
        listenPort(l) !== undefined,
        `\`${name}\` item #${i + 1} must be \`port\`, \`ipv4:port\` or \`[ipv6]:port\``,
      ),
    );
  }
  p.rateLimitExempt.forEach((a, i) =>
    check(CIDR.test(a), `\`rate-limit-exempt\` item #${i + 1} must be an IP address or CIDR range`),
  );
  p.internalListen.forEach((l, i) =>
    check(
      LOOPBACK_LISTEN.test(l) && listenPort(l) !== undefined,
      `\`internal-listen\` item #${i + 1} must be a loopback \`127.x.y.z:port\` or \`[::1]:port\` (it is plain HTTP)`,
    ),
  );
  const publicPorts = new Set([...p.httpListen, ...p.httpsListen].map(listenPort));
  if (p.internalListen.some((l) => publicPorts.has(listenPort(l))))
    problems.push(
      '`internal-listen` must use a port of its own (not one of `http-listen` or `https-listen`)',
    );
  for (const [name, value] of [
    ['hsts', p.hsts],
    ['csp', p.csp],
    ['permissions-policy', p.permissionsPolicy],
  ] as const) {
    check(HEADER_VALUE.test(value), `\`${name}\` must be printable ASCII without \`"\`, \`\\\` or \`$\``);
  }
  return problems;
}

/** The port of an nginx `listen` address, or undefined when it is not one. */
export function listenPort(address: string): number | undefined {
  const match = LISTEN.exec(address);
  if (!match) return undefined;
  const port = Number(match[1]);
  return port >= 1 && port <= 65_535 ? port : undefined;
}
