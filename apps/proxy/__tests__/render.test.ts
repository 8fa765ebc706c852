import { describe, expect, it } from 'vitest';
import { paramsFromArgs } from '../src/cli';
import { DEFAULTS, listenPort, validateParams, type ProxyParams } from '../src/params';
import { renderProxyConfig } from '../src/render';

const params = (over: Partial<ProxyParams> = {}): ProxyParams => ({
  ...DEFAULTS,
  domains: ['contextai.com', 'www.contextai.com'],
  ...over,
});

describe('renderProxyConfig', () => {
  it('fills every placeholder of the real template', () => {
    const config = renderProxyConfig(params());
    expect(config).not.toMatch(/\{\{|\}\}/);
    expect(config).toContain('server_name contextai.com www.contextai.com;');
    expect(config).toContain('ssl_certificate /etc/ssl/contextai/fullchain.pem;');
    expect(config).toContain('include /srv/deploy/api/upstream.conf;');
    expect(config).toContain('alias /var/www/acme/;');
    expect(config).toContain('return 301 https://$host$request_uri;');
    expect(
      config.match(/access_log \/var\/log\/nginx\/contextai\.access\.json\.log contextai_json;/g),
    ).toHaveLength(2);
  });

  it('passes a request id upstream and back, and logs each request as one JSON object', () => {
    const config = renderProxyConfig(params());
    expect(config).toContain('proxy_set_header X-Request-ID $contextai_request_id;');
    expect(config).toContain('add_header X-Request-ID $contextai_request_id always;');
    expect(config).toContain('proxy_hide_header X-Request-ID;');
    const format = /log_format contextai_json escape=json\n((?:\s+'.*'\n?)+);/.exec(config)?.[1];
    expect(format).toBeDefined();
    // The format with sample values substituted is one JSON object with the agreed fields.
    const sample = format!
      .split('\n')
      .map((line) => line.trim().replace(/^'|'$/g, ''))
      .join('')
      .replace(/"\$[a-z_0-9]+"/g, '"x"')
      .replace(/\$[a-z_0-9]+/g, '1');
    expect(Object.keys(JSON.parse(sample) as object)).toEqual(
      expect.arrayContaining([
        'time',
        'request_id',
        'method',
        'path',
        'status',
        'bytes',
        'request_time',
        'upstream_response_time',
        'upstream_addr',
      ]),
    );
  });

  it('repeats list placeholders one line each, with the line indentation', () => {
    const config = renderProxyConfig(params({ httpsListen: ['443', '[::]:443'] }));
    expect(config).toContain('    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n');
  });

  it('keeps a non-standard HTTPS port in the redirect', () => {
    expect(renderProxyConfig(params({ httpsListen: ['127.0.0.1:8443'] }))).toContain(
      'https://$host:8443$request_uri',
    );
  });

  it('refuses a placeholder without a value and a list placeholder inside a line', () => {
    expect(() => renderProxyConfig(params(), 'x {{NOPE}}')).toThrow('{{NOPE}} has no value');
    expect(() => renderProxyConfig(params(), 'x {{HTTP_LISTEN}} y')).toThrow('must stand alone');
  });

  it('lists every invalid parameter at once, refusing config injection', () => {
    const problems = validateParams(
      params({
        domains: ['ok.example', 'evil.example; include /etc/passwd'],
        certDir: 'relative/dir',
        webroot: '/var/www/../etc',
        webUpstreamName: 'same',
        apiUpstreamName: 'same',
        httpsListen: ['443 default_server'],
        csp: `default-src 'self'" always; add_header X "y`,
        hsts: 'max-age=$request_uri',
        accessLog: 'logs/access.log',
        rateLimitExempt: ['10.0.0.0/8', '127.0.0.1; allow all'],
      }),
    );
    expect(problems).toEqual([
      '`domains` item #2 is not a DNS name',
      '`cert-dir` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`webroot` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`access-log` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`web-upstream-name` and `api-upstream-name` must differ',
      '`https-listen` item #1 must be `port`, `ipv4:port` or `[ipv6]:port`',
      '`rate-limit-exempt` item #2 must be an IP address or CIDR range',
      '`hsts` must be printable ASCII without `"`, `\\` or `$`',
      '`csp` must be printable ASCII without `"`, `\\` or `$`',
    ]);
    expect(() => renderProxyConfig(params({ domains: [] }))).toThrow('`domains` is required');
  });

  it('rate-limits every client but the exempt addresses', () => {
    const geo = (config: string) => /geo \$contextai_rate_limited \{\n([^}]*)\}/.exec(config)?.[1];
    expect(geo(renderProxyConfig(params()))?.trim()).toBe('default 1;');
    const config = renderProxyConfig(params({ rateLimitExempt: ['127.0.0.1', '10.0.0.0/8', '::1'] }));
    expect(geo(config)).toContain('    127.0.0.1 0;\n    10.0.0.0/8 0;\n    ::1 0;');
    // the limits' keys are empty (not counted) for an exempt client
    expect(config).toContain('map "$contextai_rate_limited $uri" $contextai_api_key {');
    expect(config).toContain('"~^1 /api(/|$)"  $binary_remote_addr;');
  });

  it('keeps each upstream valid before the first deploy: a glob include and a member never used', () => {
    const config = renderProxyConfig(
      params({
        webUpstreamConf: '/srv/deploy/web/upstream*.conf',
        apiUpstreamConf: '/srv/deploy/api/upstream*.conf',
      }),
    );
    expect(config).toContain(
      'upstream contextai_api {\n    server 127.0.0.1:9 down;\n    include /srv/deploy/api/upstream*.conf;',
    );
    // `*` only in the file name; never elsewhere in a path.
    expect(
      validateParams(params({ webUpstreamConf: '/srv/*/web/upstream.conf', certDir: '/etc/ssl/*' })),
    ).toEqual([
      '`cert-dir` must be an absolute path of letters, digits, `._-/` (no `..`)',
      '`web-upstream-conf` must be an absolute path of letters, digits, `._-/` (no `..`; `*` in the file name only)',
    ]);
  });

  it('renders the internal listener only when asked for: loopback, /api only, no rate limit', () => {
    expect(renderProxyConfig(params())).not.toContain('server_name _;');
    const config = renderProxyConfig(params({ internalListen: ['127.0.0.1:8081', '[::1]:8081'] }));
    const internal = config.slice(config.indexOf('# Internal listener'));
    expect(internal).toContain('    listen 127.0.0.1:8081;\n    listen [::1]:8081;\n');
    expect(internal).toContain('location /api/ {\n        proxy_pass http://contextai_api;');
    expect(internal).toContain('location / {\n        return 404;');
    expect(internal).toContain('proxy_set_header X-Request-ID $contextai_request_id;');
    expect(internal).toContain('access_log /var/log/nginx/contextai.access.json.log contextai_json;');
    expect(internal).not.toMatch(/limit_req|ssl_|contextai_web/);
    expect(internal).not.toMatch(/\{\{|\}\}/);
    expect(
      validateParams(params({ internalListen: ['8081', '0.0.0.0:8081', '10.0.0.1:8081', '127.0.0.1:443'] })),
    ).toEqual([
      '`internal-listen` item #1 must be a loopback `127.x.y.z:port` or `[::1]:port` (it is plain HTTP)',
      '`internal-listen` item #2 must be a loopback `127.x.y.z:port` or `[::1]:port` (it is plain HTTP)',
      '`internal-listen` item #3 must be a loopback `127.x.y.z:port` or `[::1]:port` (it is plain HTTP)',
      '`internal-listen` must use a port of its own (not one of `http-listen` or `https-listen`)',
    ]);
  });

  it('parses listen addresses', () => {
    expect(listenPort('443')).toBe(443);
    expect(listenPort('127.0.0.1:8443')).toBe(8443);
    expect(listenPort('[::]:80')).toBe(80);
    expect(listenPort('70000')).toBeUndefined();
    expect(listenPort('localhost:80')).toBeUndefined();
  });
});

describe('paramsFromArgs', () => {
  it('fills defaults and takes repeated listen flags', () => {
    const { params: p, out } = paramsFromArgs([
      '--domains',
      'a.example, b.example',
      '--https-listen',
      '8443',
      '--https-listen',
      '[::]:8443',
      '--access-log',
      '/var/log/edge.json',
      '--internal-listen',
      '127.0.0.1:8081',
      '--out',
      'x.conf',
    ]);
    expect(p.domains).toEqual(['a.example', 'b.example']);
    expect(p.httpsListen).toEqual(['8443', '[::]:8443']);
    expect(p.httpListen).toEqual(DEFAULTS.httpListen);
    expect(p.certDir).toBe(DEFAULTS.certDir);
    expect(out).toBe('x.conf');
    expect(p.accessLog).toBe('/var/log/edge.json');
    expect(p.internalListen).toEqual(['127.0.0.1:8081']);
  });

  it('rejects unknown flags', () => {
    expect(() => paramsFromArgs(['--domain', 'a.example'])).toThrow();
  });
});
