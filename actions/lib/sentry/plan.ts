/** What one upload step does: the action's validated inputs. */
export interface UploadSettings {
  /** Sentry's base URL, e.g. `https://sentry.io/` or a self-hosted server. */
  url: string;
  org: string;
  project: string;
  authToken: string;
  release?: string;
  environment?: string;
  /** Absolute directories whose JavaScript and source maps are uploaded (may be empty: deploy only). */
  paths: string[];
  urlPrefix: string;
  inject: boolean;
  finalize: boolean;
  deploy: boolean;
}

/** One sentry-cli invocation: what the log calls it, its argv, and whether a retry is safe. */
export interface CliStep {
  kind: 'inject' | 'release' | 'upload' | 'finalize' | 'deploy';
  title: string;
  argv: string[];
  /**
   * `any`: idempotent (chunks are content-addressed, an existing release is answered 208), so
   * any network failure may be retried; `connect`: only when the request never left (no
   * connection), because a second deploy record would be a duplicate.
   */
  retry: 'any' | 'connect';
}

/** The sentry-cli calls for these inputs, in order; `paths` steps only when there are paths. */
export function planSteps(cli: string, inputs: UploadSettings): CliStep[] {
  const scope = ['--org', inputs.org, '--project', inputs.project];
  const steps: CliStep[] = [];
  if (inputs.inject)
    steps.push({
      kind: 'inject',
      title: 'Inject debug IDs',
      argv: [cli, 'sourcemaps', 'inject', ...inputs.paths],
      retry: 'any',
    });
  if (inputs.release)
    steps.push({
      kind: 'release',
      title: `Create release ${inputs.release}`,
      argv: [cli, 'releases', 'new', ...scope, '--', inputs.release],
      retry: 'any',
    });
  if (inputs.paths.length > 0)
    steps.push({
      kind: 'upload',
      title: 'Upload source maps',
      argv: uploadArgv(cli, inputs, scope),
      retry: 'any',
    });
  if (inputs.finalize && inputs.release)
    steps.push({
      kind: 'finalize',
      title: `Finalize release ${inputs.release}`,
      argv: [cli, 'releases', 'finalize', ...scope, '--', inputs.release],
      retry: 'any',
    });
  if (inputs.deploy && inputs.release && inputs.environment)
    steps.push({
      kind: 'deploy',
      title: `Record a deploy to ${inputs.environment}`,
      argv: [cli, 'deploys', 'new', ...scope, `--release=${inputs.release}`, '--env', inputs.environment],
      retry: 'connect',
    });
  return steps;
}

/**
 * `--wait` so a bundle the server fails to process fails the step (without it sentry-cli stops at
 * "processing pending"); `--strict` so an upload that finds nothing fails too.
 */
function uploadArgv(cli: string, inputs: UploadSettings, scope: string[]): string[] {
  const release = inputs.release ? [`--release=${inputs.release}`] : [];
  return [
    cli,
    'sourcemaps',
    'upload',
    ...scope,
    ...release,
    '--url-prefix',
    inputs.urlPrefix,
    '--wait',
    '--strict',
    ...inputs.paths,
  ];
}

/** Variables passed through to sentry-cli: the runner's proxy and CA settings, nothing else. */
const PASSED_THROUGH = [
  'PATH',
  'http_proxy',
  'https_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'no_proxy',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
];

/** How many times sentry-cli itself retries a 502/503/504/507/524 answer (its default, made explicit). */
export const CLI_HTTP_RETRIES = 5;

/**
 * sentry-cli's whole environment, built from scratch: the token travels here, never in argv;
 * HOME and the working directory are a private empty directory, so no `~/.sentryclirc`,
 * project `.sentryclirc` or `.env` file can change the server, org or token; no inherited
 * SENTRY_* variable (SENTRY_ALLOW_FAILURE would turn a failed upload into success); no update check.
 */
export function cliEnv(inputs: UploadSettings, home: string, base: NodeJS.ProcessEnv = process.env) {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) if (base[name]) env[name] = base[name]!;
  return {
    ...env,
    HOME: home,
    SENTRY_URL: inputs.url,
    SENTRY_AUTH_TOKEN: inputs.authToken,
    SENTRY_ORG: inputs.org,
    SENTRY_PROJECT: inputs.project,
    SENTRY_LOAD_DOTENV: '0',
    SENTRY_DISABLE_UPDATE_CHECK: 'true',
    SENTRY_HTTP_MAX_RETRIES: String(CLI_HTTP_RETRIES),
    SENTRY_LOG_LEVEL: 'warn',
  };
}
