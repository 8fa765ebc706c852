import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, type ProxyParams } from '../../apps/proxy/src/params';
import { renderProxyConfig } from '../../apps/proxy/src/render';
import type { EnvFile, Level } from './values';

/** What the rehearsal adds to the stack's own variables. */
export interface RehearsalExtras {
  /** age X25519 identity (AGE-SECRET-KEY-...) and its recipient (age1...). */
  ageIdentity: string;
  ageRecipient: string;
  /** Where deploy-ssh keeps releases on the host (writable by the deploy user). */
  deployRoot: string;
  /**
   * The edge the pipeline deploys on the stack's nginx (apps/proxy, HTTPS with ssl-renew's Pebble
   * certificate): APP_URL is its HTTPS site, the web's API_URL its internal listener (a URL of its
   * own: deploy-ssh masks every value of WEB_ENV, so were it APP_URL the smoke report would read `***`).
   */
  edge?: RehearsalEdge;
  /** Without `edge` (suites that deploy nothing): APP_URL and the web's API_URL as given. */
  siteUrl?: string;
  internalUrl?: string;
  appDatabaseUrl: string;
  scratchDatabaseUrl: string;
  /** Extra image build arguments (e.g. the locally built base image). */
  imageBuildArgs: string;
  /** deploy-ssh app names (default `api` and `web`). */
  apiApp?: string;
  webApp?: string;
  /** Slot port pairs on the host (default the workflow's: api 3001,3002; web 3011,3012). */
  apiPorts?: string;
  webPorts?: string;
  /** Where the workflows download `age` from instead of its GitHub release (a local mirror). */
  ageMirror?: { url: string; sha256: string };
  /** The backup manifest signing key (Ed25519 PEM) and its public key, from `backupSigningKey`. */
  backupSigning?: { privatePem: string; publicPem: string };
}

/**
 * The staging edge on the stack: the stack's nginx plays the edge host (reached over the stack's sshd
 * as the deploy user, like the apps), its HTTP listener is the port Pebble validates HTTP-01 on, and
 * the names resolve to nowhere (no DNS here): the smoke test connects to the host's address.
 */
export interface RehearsalEdge {
  /** Served names (TLS_DOMAINS); the first one is the site's (APP_URL). */
  domains: string[];
  httpsPort: number;
  /** The loopback listener the web's server-side calls use (`/api` only). */
  internalPort: number;
  /** Holds `certs/` (TLS_CERT_DIR) and `acme/` (ACME_WEBROOT), owned by the deploy user. */
  dir: string;
  /** Where edge-deploy installs the configuration: a file in the stack's nginx conf.d. */
  configPath: string;
  /** The edge's JSON access log (a `*.json.log` in the stack's nginx logs: mtail reads it). */
  accessLog: string;
  /** The CA that issues the edge's certificate (Pebble's root), trusted by the checks (EDGE_CA_FILE). */
  caFile: string;
  /** ssl-renew's ACME account key (PEM). */
  acmeAccountKey: string;
  /**
   * The runner's NODE_EXTRA_CA_CERTS: the machine's CA bundle plus the stack's own CA, which serves
   * Pebble's ACME API (a self-hosted runner trusts a private ACME server the same way).
   */
  runnerCaFile: string;
}

/**
 * Writes `RehearsalEdge.runnerCaFile`: the machine's CA bundle (e.g. a TLS-inspecting proxy's root,
 * which downloads need) followed by the stack's own CA (Pebble's ACME API).
 */
export function writeRunnerCaFile(file: string, stack: Record<string, string>): void {
  const SYSTEM_CAS = '/etc/ssl/certs/ca-certificates.crt';
  const bundles = [...(existsSync(SYSTEM_CAS) ? [SYSTEM_CAS] : []), stack.STACK_ACME_CA ?? ''];
  writeFileSync(file, bundles.map((path) => readFileSync(path, 'utf8')).join('\n'));
}

/** The edge's URLs: the site through HTTPS, and the internal listener for the web's API_URL. */
export function edgeUrls(edge: RehearsalEdge): { siteUrl: string; internalUrl: string } {
  return {
    siteUrl: `https://${edge.domains[0]}:${edge.httpsPort}`,
    internalUrl: `http://127.0.0.1:${edge.internalPort}`,
  };
}

/**
 * The parameters edge-deploy renders apps/proxy with from `edgeVars` (the same values), for the
 * edge's first installation by hand: the certificate must exist and the HTTP listener serve the ACME
 * webroot before ssl-renew can issue, and both before the pipeline's edge check can pass
 * (docs/SSL_SETUP.md, "Set up each edge host").
 */
export function edgeProxyParams(
  stack: Record<string, string>,
  edge: RehearsalEdge,
  deploy: { root: string; apiApp: string; webApp: string },
): ProxyParams {
  const vars = edgeVars(stack, edge);
  return {
    ...DEFAULTS,
    domains: edge.domains,
    certDir: vars.TLS_CERT_DIR!,
    webroot: vars.ACME_WEBROOT!,
    accessLog: edge.accessLog,
    httpListen: [vars.EDGE_HTTP_LISTEN!],
    httpsListen: [vars.EDGE_HTTPS_LISTEN!],
    internalListen: [vars.EDGE_INTERNAL_LISTEN!],
    apiUpstreamConf: `${deploy.root}/${deploy.apiApp}/upstream*.conf`,
    webUpstreamConf: `${deploy.root}/${deploy.webApp}/upstream*.conf`,
  };
}

/**
 * The edge host's one-time setup on the stack (docs/SSL_SETUP.md section 1), owned by the deploy user
 * as on a real host: the certificate and webroot directories, a self-signed placeholder certificate
 * while there is none (ssl-renew replaces it), and the configuration rendered from apps/proxy while
 * none is installed (the pipeline's edge-deploy replaces it). Returns what it did, one line each.
 */
export function installEdgeByHand(
  stack: Record<string, string>,
  edge: RehearsalEdge,
  deploy: { root: string; apiApp: string; webApp: string },
): string[] {
  const done: string[] = [];
  const user = stack.STACK_SSH_USER ?? 'deploy';
  const certs = join(edge.dir, 'certs');
  execFileSync('install', ['-d', '-m', '0755', '-o', user, '-g', user, edge.dir, join(edge.dir, 'acme')]);
  execFileSync('install', ['-d', '-m', '0750', '-o', user, '-g', user, certs]);
  if (!existsSync(join(certs, 'fullchain.pem'))) {
    const names = edge.domains.map((d) => `DNS:${d}`).join(',');
    const key = join(certs, 'privkey.pem');
    execFileSync(
      'setpriv',
      [
        ...[`--reuid=${user}`, `--regid=${user}`, '--init-groups'],
        ...['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        ...['-nodes', '-days', '1', '-subj', `/CN=${edge.domains[0]}`, '-addext', `subjectAltName=${names}`],
        ...['-keyout', key, '-out', join(certs, 'fullchain.pem')],
      ],
      { stdio: 'ignore' },
    );
    execFileSync('chmod', ['0600', key]);
    done.push(`placeholder certificate in ${certs} (ssl-renew replaces it)`);
  }
  if (!existsSync(edge.configPath)) {
    writeFileSync(edge.configPath, renderProxyConfig(edgeProxyParams(stack, edge, deploy)), { mode: 0o644 });
    execFileSync('chown', [`${user}:${user}`, edge.configPath]);
    done.push(`edge installed by hand (first time): ${edge.configPath}`);
  }
  return done;
}

/**
 * The Ed25519 key that signs backup manifests, kept in `<dir>/signing.pem` (0600) across runs so a
 * later drill verifies the backups of an earlier run; made on first use.
 */
export function backupSigningKey(dir: string): { privatePem: string; publicPem: string } {
  const file = join(dir, 'signing.pem');
  if (!existsSync(file))
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
  const privatePem = readFileSync(file, 'utf8');
  const publicPem = String(createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }));
  return { privatePem, publicPem };
}

/** The deployment environments the rehearsal and the end-to-end tests deploy to (same stack). */
export const DEPLOY_ENVIRONMENTS = ['staging', 'production'] as const;

/**
 * The env file (`secrets.*`, `vars.*`, `environments.<env>.*`, `runner.*`) that makes the real
 * workflows target the local stack, scoped as on GitHub: what jobs without `environment:` need (the
 * build, the scan, the production digest lookup, Slack) is repository-level; what deploys need is
 * in `staging` and `production`; what the scheduled jobs need is in `operations`.
 */
export function rehearsalValues(stack: Record<string, string>, extras: RehearsalExtras): EnvFile {
  const need = (key: string) => {
    const value = stack[key];
    if (!value) throw new Error(`scripts/stack env does not provide ${key}`);
    return value;
  };
  const registry = need('STACK_REGISTRY');
  if (extras.edge)
    for (const key of ['STACK_ACME_HTTP_PORT', 'STACK_ACME_DIRECTORY', 'STACK_ACME_CA']) need(key);
  const { siteUrl, internalUrl } = extras.edge
    ? edgeUrls(extras.edge)
    : { siteUrl: extras.siteUrl, internalUrl: extras.internalUrl };
  if (!siteUrl || !internalUrl)
    throw new Error('the rehearsal needs an edge, or a site URL and an internal URL');
  const repository: Level = {
    secrets: {},
    vars: {
      REGISTRY: `${registry}/contextai`,
      REGISTRY_HOST: registry,
      REGISTRY_INSECURE: 'true',
      BUILD_ENGINE: 'buildah',
      BUILD_ENGINE_FLAGS: need('STACK_BUILDAH').replace(/^\S+\s*/, ''),
      IMAGE_BUILD_ARGS: extras.imageBuildArgs,
      SECURITY_SCAN: 'unavailable',
    },
  };
  const deploy: Level = {
    secrets: {
      SSH_PRIVATE_KEY: readFileSync(need('STACK_SSH_KEY'), 'utf8'),
      SSH_KNOWN_HOSTS: readFileSync(need('STACK_SSH_KNOWN_HOSTS'), 'utf8'),
      API_ENV: dotenvText({
        NODE_ENV: 'production',
        DATABASE_URL: extras.appDatabaseUrl,
        REDIS_URL: need('STACK_REDIS_URL'),
      }),
      WEB_ENV: dotenvText({ NODE_ENV: 'production', API_URL: internalUrl }),
    },
    vars: {
      DEPLOY_HOSTS: `${need('STACK_SSH_HOST')}:${need('STACK_SSH_PORT')}`,
      DEPLOY_USER: need('STACK_SSH_USER'),
      DEPLOY_ROOT: extras.deployRoot,
      API_APP: extras.apiApp ?? 'api',
      WEB_APP: extras.webApp ?? 'web',
      CONTAINER_ENGINE: need('STACK_DEPLOY_ENGINE'),
      CONTAINER_NETWORK: 'host',
      // The stack's limits for every container, and loopback-only listeners: the containers share the
      // host's network here and nginx is the way in (API: HOST, Next.js: HOSTNAME). Set here rather
      // than in API_ENV/WEB_ENV, whose values deploy-ssh masks (it would mask 127.0.0.1 in every log).
      CONTAINER_RUN_ARGS:
        '--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --env HOST=127.0.0.1 --env HOSTNAME=127.0.0.1',
      ...(extras.apiPorts ? { API_PORTS: extras.apiPorts } : {}),
      ...(extras.webPorts ? { WEB_PORTS: extras.webPorts } : {}),
      PROXY_RELOAD: need('STACK_NGINX_RELOAD'),
      PROXY_TEST: need('STACK_NGINX_TEST'),
      APP_URL: siteUrl,
      ...(extras.edge ? edgeVars(stack, extras.edge) : {}),
    },
  };
  const operations: Level = {
    secrets: {
      DATABASE_URL: extras.appDatabaseUrl,
      SCRATCH_DATABASE_URL: extras.scratchDatabaseUrl,
      AWS_ACCESS_KEY_ID: need('AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY: need('AWS_SECRET_ACCESS_KEY'),
      BACKUP_IDENTITY: extras.ageIdentity,
      ...(extras.backupSigning ? { BACKUP_SIGNING_KEY: extras.backupSigning.privatePem } : {}),
    },
    vars: {
      BACKUP_BUCKET: need('STACK_S3_BUCKET'),
      S3_ENDPOINT: need('STACK_S3_ENDPOINT'),
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: need('AWS_REGION'),
      BACKUP_RECIPIENTS: extras.ageRecipient,
      // backups and drills report to the stack's Pushgateway (when the stack runs one)
      ...(stack.STACK_PUSHGATEWAY_URL
        ? { PUSHGATEWAY_URL: stack.STACK_PUSHGATEWAY_URL, DATABASE_ENVIRONMENT: 'staging' }
        : {}),
      ...(extras.backupSigning ? { BACKUP_SIGNING_PUBLIC_KEY: extras.backupSigning.publicPem } : {}),
      ...(extras.ageMirror
        ? { AGE_DOWNLOAD_URL: extras.ageMirror.url, AGE_SHA256: extras.ageMirror.sha256 }
        : {}),
    },
  };
  if (extras.edge) Object.assign(operations.secrets, renewSecrets(deploy, extras.edge));
  if (extras.edge) Object.assign(operations.vars, renewVars(stack, deploy, extras.edge));
  const environments: Record<string, Level> = { operations };
  if (stack.STACK_MONITORING_ROOT) environments.monitoring = monitoringLevel(stack, deploy);
  for (const name of DEPLOY_ENVIRONMENTS) environments[name] = structuredClone(deploy);
  // The runner machine's own environment: buildah reuses unchanged layers between builds (a
  // persistent runner's cache, like docker's).
  return {
    repository,
    environments,
    runner: {
      BUILDAH_LAYERS: 'true',
      // ssl-renew reaches Pebble's ACME API over HTTPS with the stack's own CA.
      ...(extras.edge ? { NODE_EXTRA_CA_CERTS: extras.edge.runnerCaFile } : {}),
    },
  };
}

/** deploy.yml's edge step (vars.EDGE_*): the stack's nginx as the one edge host. */
function edgeVars(stack: Record<string, string>, edge: RehearsalEdge): Record<string, string> {
  return {
    EDGE_DEPLOY: 'true',
    EDGE_HOSTS: `${stack.STACK_SSH_HOST}:${stack.STACK_SSH_PORT}`,
    TLS_DOMAINS: edge.domains.join(','),
    TLS_CERT_DIR: `${edge.dir}/certs`,
    ACME_WEBROOT: `${edge.dir}/acme`,
    EDGE_CONFIG_PATH: edge.configPath,
    EDGE_ACCESS_LOG: edge.accessLog,
    // Pebble validates HTTP-01 on this port of 127.0.0.1, whatever the name (its DNS answers 127.0.0.1).
    EDGE_HTTP_LISTEN: `127.0.0.1:${stack.STACK_ACME_HTTP_PORT}`,
    EDGE_HTTPS_LISTEN: `127.0.0.1:${edge.httpsPort}`,
    EDGE_INTERNAL_LISTEN: `127.0.0.1:${edge.internalPort}`,
    EDGE_CA_FILE: edge.caFile,
    // No DNS for the names here: the smoke test connects to the edge host's address, by name over TLS.
    SMOKE_CONNECT_ADDRESS: stack.STACK_SSH_HOST!,
    // The default checks, the home page asserting that the web reached the API server-side (through
    // the edge's internal listener, its API_URL), not only that it answered.
    SMOKE_CHECKS: [
      '- {name: API ready, path: /api/health/ready, status: 200}',
      '- name: web home page',
      '  path: /',
      '  status: 200',
      '  contains: data-testid="api-readiness">ready',
    ].join('\n'),
  };
}

/** ssl-renew.yml's secrets (environment `operations`): the ACME account and the edge hosts' SSH access. */
function renewSecrets(deploy: Level, edge: RehearsalEdge): Record<string, string> {
  return {
    ACME_ACCOUNT_KEY: edge.acmeAccountKey,
    SSH_PRIVATE_KEY: deploy.secrets.SSH_PRIVATE_KEY!,
    SSH_KNOWN_HOSTS: deploy.secrets.SSH_KNOWN_HOSTS!,
  };
}

/** ssl-renew.yml's variables: the same names, directories and commands as the edge deploy's. */
function renewVars(
  stack: Record<string, string>,
  deploy: Level,
  edge: RehearsalEdge,
): Record<string, string> {
  const v = deploy.vars;
  return {
    DEPLOY_USER: v.DEPLOY_USER!,
    TLS_DOMAINS: v.TLS_DOMAINS!,
    EDGE_HOSTS: v.EDGE_HOSTS!,
    ACME_DIRECTORY: stack.STACK_ACME_DIRECTORY!,
    ACME_EMAIL: `ops@${edge.domains[0]!.replace(/^[^.]+\./, '')}`,
    ACME_WEBROOT: v.ACME_WEBROOT!,
    TLS_CERT_DIR: v.TLS_CERT_DIR!,
    PROXY_RELOAD: v.PROXY_RELOAD!,
    PROXY_TEST: v.PROXY_TEST!,
    HTTPS_PORT: String(edge.httpsPort),
  };
}

/** The env file text of `rehearsalValues`. */
export function rehearsalEnv(stack: Record<string, string>, extras: RehearsalExtras): string {
  return envFileText(rehearsalValues(stack, extras));
}

/** Writes values in the env-file syntax `parseEnvFile` reads (multi-line values quoted). */
export function envFileText(values: EnvFile): string {
  const level = (prefix: string, l: Level) => [
    ...Object.entries(l.secrets).map(([k, v]) => `${prefix}secrets.${k}=${quote(v)}`),
    ...Object.entries(l.vars).map(([k, v]) => `${prefix}vars.${k}=${quote(v)}`),
  ];
  const lines = [
    '# Generated by scripts/rehearse from `scripts/stack env`: secrets for the LOCAL stack. Never commit.',
    ...level('', values.repository),
    ...Object.entries(values.environments).flatMap(([name, l]) => level(`environments.${name}.`, l)),
    ...Object.entries(values.runner).map(([k, v]) => `runner.${k}=${quote(v)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function dotenvText(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** dotenv quoting that survives newlines: single quotes (no escapes) unless the value holds one. */
export function quote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"') && !value.includes('\\')) return `"${value}"`;
  throw new Error('a value with both quote kinds cannot be written to a dotenv file');
}

/**
 * A local mirror of age's release for the workflows' `setup-age` step (these machines cannot reach
 * GitHub): a tarball laid out like the release (`age/age`, `age/age-keygen`) from this machine's own
 * age, served as a file:// URL with its own SHA-256, as a real mirror would be configured.
 */
export function ageMirror(dir: string, bin = '/usr/bin'): { url: string; sha256: string } {
  const tarball = join(dir, 'age-mirror.tar.gz');
  if (!existsSync(tarball))
    execFileSync('tar', ['-czf', tarball, '--transform', 's,^,age/,', '-C', bin, 'age', 'age-keygen']);
  const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  return { url: `file://${tarball}`, sha256 };
}

/**
 * The `monitoring` environment: the stack's Prometheus and Alertmanager play the monitoring host
 * (same sshd and deploy user; the receivers the stack's own Alertmanager configuration names).
 */
function monitoringLevel(stack: Record<string, string>, deploy: Level): Level {
  return {
    secrets: {
      MONITORING_SSH_PRIVATE_KEY: deploy.secrets.SSH_PRIVATE_KEY!,
      MONITORING_SSH_KNOWN_HOSTS: deploy.secrets.SSH_KNOWN_HOSTS!,
    },
    vars: {
      MONITORING_HOSTS: deploy.vars.DEPLOY_HOSTS!,
      MONITORING_USER: deploy.vars.DEPLOY_USER!,
      MONITORING_ROOT: stack.STACK_MONITORING_ROOT!,
      PROMETHEUS_URL: stack.STACK_PROMETHEUS_URL ?? '',
      ALERTMANAGER_URL: stack.STACK_ALERTMANAGER_URL ?? '',
      PROMETHEUS_CONFIG: stack.STACK_PROMETHEUS_CONFIG ?? '',
      PAGERDUTY_URL: `${stack.STACK_ALERT_RECEIVER_URL}/v2/enqueue`,
      ALERTMANAGER_SECRETS_DIR: stack.STACK_ALERTMANAGER_SECRETS_DIR ?? '',
      SMTP_SMARTHOST: stack.STACK_SMTP_SMARTHOST ?? '',
      SMTP_FROM: 'alertmanager@stack.invalid',
      SMTP_USERNAME: 'alertmanager',
      ALERT_EMAIL_TO: 'oncall@stack.invalid',
      ALERT_SLACK_CHANNEL: '#alerts-stack',
    },
  };
}
