#!/usr/bin/env -S npx tsx
// Renders the edge config: `npx tsx apps/proxy/src/cli.ts --domains contextai.com,www.contextai.com --out contextai.conf`
// Run with `--help` for every parameter and its default.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { splitList } from '../../../actions/lib/action/inputs';
import { DEFAULTS, type ProxyParams } from './params';
import { renderProxyConfig } from './render';

const OPTIONS = {
  domains: { type: 'string', help: 'served names, comma-separated (required)' },
  'cert-dir': { type: 'string', help: `directory with fullchain.pem and privkey.pem (${DEFAULTS.certDir})` },
  webroot: { type: 'string', help: `ACME HTTP-01 webroot (${DEFAULTS.webroot})` },
  'web-upstream-conf': { type: 'string', help: `web upstream include (${DEFAULTS.webUpstreamConf})` },
  'api-upstream-conf': { type: 'string', help: `api upstream include (${DEFAULTS.apiUpstreamConf})` },
  'web-upstream-name': { type: 'string', help: `(${DEFAULTS.webUpstreamName})` },
  'api-upstream-name': { type: 'string', help: `(${DEFAULTS.apiUpstreamName})` },
  'access-log': { type: 'string', help: `JSON access log file (${DEFAULTS.accessLog})` },
  'http-listen': { type: 'string', multiple: true, help: `repeatable (${DEFAULTS.httpListen.join(', ')})` },
  'https-listen': { type: 'string', multiple: true, help: `repeatable (${DEFAULTS.httpsListen.join(', ')})` },
  'internal-listen': {
    type: 'string',
    multiple: true,
    help: 'repeatable, loopback only: plain-HTTP /api listener for the web server (none)',
  },
  hsts: { type: 'string', help: `Strict-Transport-Security value (${DEFAULTS.hsts})` },
  csp: { type: 'string', help: 'Content-Security-Policy value (a strict same-origin default)' },
  'permissions-policy': { type: 'string', help: `(${DEFAULTS.permissionsPolicy})` },
  'rate-limit-exempt': {
    type: 'string',
    help: 'comma-separated addresses/CIDRs the rate limits skip (none)',
  },
  out: { type: 'string', help: 'output file (default: standard output)' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

/** Turns command-line arguments into render parameters (defaults filled in). */
export function paramsFromArgs(args: string[]): { params: ProxyParams; out?: string; help: boolean } {
  const { values: v } = parseArgs({ args, options: OPTIONS, strict: true });
  const params: ProxyParams = {
    domains: splitList(v.domains ?? ''),
    certDir: v['cert-dir'] ?? DEFAULTS.certDir,
    webroot: v.webroot ?? DEFAULTS.webroot,
    webUpstreamConf: v['web-upstream-conf'] ?? DEFAULTS.webUpstreamConf,
    apiUpstreamConf: v['api-upstream-conf'] ?? DEFAULTS.apiUpstreamConf,
    webUpstreamName: v['web-upstream-name'] ?? DEFAULTS.webUpstreamName,
    apiUpstreamName: v['api-upstream-name'] ?? DEFAULTS.apiUpstreamName,
    accessLog: v['access-log'] ?? DEFAULTS.accessLog,
    httpListen: v['http-listen'] ?? DEFAULTS.httpListen,
    httpsListen: v['https-listen'] ?? DEFAULTS.httpsListen,
    internalListen: v['internal-listen'] ?? DEFAULTS.internalListen,
    hsts: v.hsts ?? DEFAULTS.hsts,
    csp: v.csp ?? DEFAULTS.csp,
    permissionsPolicy: v['permissions-policy'] ?? DEFAULTS.permissionsPolicy,
    rateLimitExempt: splitList(v['rate-limit-exempt'] ?? ''),
  };
  return { params, out: v.out, help: v.help ?? false };
}

function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => `  --${name.padEnd(20)} ${o.help}`);
  return `Usage: npx tsx apps/proxy/src/cli.ts --domains a.example,b.example [options]\n${lines.join('\n')}\n`;
}

function cli(): void {
  try {
    const { params, out, help } = paramsFromArgs(process.argv.slice(2));
    if (help) {
      process.stdout.write(usage());
      return;
    }
    const config = renderProxyConfig(params);
    if (out) writeFileSync(out, config);
    else process.stdout.write(config);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) cli();
