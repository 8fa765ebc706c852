// Renders the edge's nginx configuration (the templates in apps/proxy/templates) from validated
// parameters. Pure: the caller reads the templates (apps/proxy from its own folder, the edge-deploy
// action from the checkout), so the same renderer serves the CLI, the tests and the deploy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenPort, validateParams, type ProxyParams } from './params';

/** The template files, by role. */
export const TEMPLATE_FILES = {
  main: 'contextai.conf.template',
  /** The rate limits, kept in their own files: the zones (http context) and their use (server context). */
  rateLimitZones: 'rate-limit.http.conf',
  rateLimit: 'rate-limit.server.conf',
  /** The internal listener's server block, rendered only with `internalListen`. */
  internalServer: 'internal.server.conf',
} as const;

export type ProxyTemplates = Record<keyof typeof TEMPLATE_FILES, string>;

/** Reads the three template files from a templates directory. */
export function readProxyTemplates(dir: string): ProxyTemplates {
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    main: read(TEMPLATE_FILES.main),
    rateLimitZones: read(TEMPLATE_FILES.rateLimitZones),
    rateLimit: read(TEMPLATE_FILES.rateLimit),
    internalServer: read(TEMPLATE_FILES.internalServer),
  };
}

const lines = (text: string) => text.trimEnd().split('\n');

const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g;

/** The values each `{{NAME}}` in the template stands for; a list becomes one line per item. */
function placeholderValues(p: ProxyParams, t: ProxyTemplates): Record<string, string | string[]> {
  const httpsPort = listenPort(p.httpsListen[0]!);
  return {
    SERVER_NAMES: p.domains.join(' '),
    CERT_DIR: p.certDir,
    WEBROOT: p.webroot.replace(/\/+$/, ''),
    WEB_UPSTREAM_CONF: p.webUpstreamConf,
    API_UPSTREAM_CONF: p.apiUpstreamConf,
    WEB_UPSTREAM_NAME: p.webUpstreamName,
    API_UPSTREAM_NAME: p.apiUpstreamName,
    ACCESS_LOG: p.accessLog,
    HTTP_LISTEN: p.httpListen.map((address) => `listen ${address};`),
    // nginx 1.22 enables HTTP/2 on the listen line (1.25+ also accepts `http2 on;`).
    HTTPS_LISTEN: p.httpsListen.map((address) => `listen ${address} ssl http2;`),
    // The redirect keeps a non-standard HTTPS port (a test or staging edge).
    HTTPS_PORT_SUFFIX: httpsPort === 443 ? '' : `:${httpsPort}`,
    HSTS: p.hsts,
    CSP: p.csp,
    PERMISSIONS_POLICY: p.permissionsPolicy,
    RATE_LIMIT_EXEMPT: p.rateLimitExempt.map((address) => `${address} 0;`),
    RATE_LIMIT_ZONES: lines(t.rateLimitZones),
    RATE_LIMIT: lines(t.rateLimit),
    INTERNAL_LISTEN: p.internalListen.map((address) => `listen ${address};`),
  };
}

/**
 * Fills the main template. A list placeholder must stand alone on its line and is repeated
 * with the line's indentation. Throws on invalid parameters (all problems at once) and
 * on a placeholder the template uses but no parameter provides.
 */
export function renderEdgeConfig(params: ProxyParams, templates: ProxyTemplates): string {
  const problems = validateParams(params);
  if (problems.length > 0)
    throw new Error(`Invalid proxy parameters:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  const values = placeholderValues(params, templates);
  // The internal server block is itself a template (same placeholders), present only when asked for.
  values.INTERNAL_SERVER =
    params.internalListen.length > 0 ? lines(fill(templates.internalServer, values)) : [];
  return fill(templates.main, values);
}

function fill(template: string, values: Record<string, string | string[]>): string {
  const lookup = (name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return value;
  };
  return template
    .split('\n')
    .map((line) => {
      const alone = /^(\s*)\{\{([A-Z_]+)\}\}\s*$/.exec(line);
      if (alone) {
        const value = lookup(alone[2]!);
        if (Array.isArray(value)) return value.map((item) => `${alone[1]}${item}`).join('\n');
      }
      return line.replace(PLACEHOLDER, (_, name: string) => {
        const value = lookup(name);
        if (Array.isArray(value))
          throw new Error(`list placeholder {{${name}}} must stand alone on its line`);
        return value;
      });
    })
    .join('\n');
}
