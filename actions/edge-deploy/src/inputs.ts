import { resolve } from 'node:path';
import type { Core } from '../../lib/action/core';
import { Inputs, RULES } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { DEFAULTS, validateParams, type ProxyParams } from '../../lib/edge/params';
import { readSshTargets, type SshTargets } from '../../lib/ssh/inputs';
import { readCaFile } from '../../lib/tls/ca-file';

export interface EdgeDeployInputs extends SshTargets {
  version: string;
  /** Everything the template needs; the security header values are the template's own defaults. */
  params: ProxyParams;
  root: string;
  configPath: string;
  templatesDir: string;
  testCommand: string[];
  reloadCommand: string[];
  checkPath: string;
  /** Extra CA certificates (PEM) for the check, read from `ca-file`. */
  ca?: string;
  keepReleases: number;
}

const ROOT = {
  pattern: /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]*[^/]$/,
  expected: 'an absolute path of letters, digits, `._-/` (no `..`, no trailing `/`)',
};
const CONFIG_PATH = {
  pattern: /^\/(?!.*(^|\/)\.\.(\/|$))(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/,
  expected: 'an absolute file path of letters, digits, `._-/` (no `..`, not a hidden file)',
};
const RELATIVE_PATH = {
  pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/,
  expected: 'a path inside the checkout such as `apps/proxy/templates`',
};
const CHECK_PATH = { pattern: /^\/[A-Za-z0-9._~/-]*$/, expected: 'a path such as `/` (no query, no spaces)' };

/** Reads and checks every input (nothing remote happens before this returns). */
export function readInputs(
  core: Core,
  workspace = process.env.GITHUB_WORKSPACE ?? process.cwd(),
): EdgeDeployInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const ssh = readSshTargets(inputs);
  const root = inputs.required('root', ROOT);
  const upstream = (app: string) => `${root}/${app}/upstream*.conf`;
  const apiApp = inputs.required('api-app', RULES.name);
  const webApp = inputs.required('web-app', RULES.name);
  if (apiApp && apiApp === webApp) inputs.problem('web-app', 'must differ from `api-app`');
  const params: ProxyParams = {
    ...DEFAULTS,
    domains: inputs.list('domains'),
    certDir: inputs.raw('cert-dir').replace(/(.)\/+$/, '$1'),
    webroot: inputs.raw('webroot'),
    accessLog: inputs.raw('access-log'),
    httpListen: inputs.list('http-listen'),
    httpsListen: inputs.list('https-listen'),
    rateLimitExempt: inputs.list('rate-limit-exempt'),
    internalListen: inputs.list('internal-listen'),
    apiUpstreamConf: upstream(apiApp),
    webUpstreamConf: upstream(webApp),
  };
  // The renderer's own checks, each naming the input it reads (upstream paths follow from `root`).
  for (const problem of validateParams(params)) {
    const [, name, message] = /^`([a-z-]+)` (.*)$/s.exec(problem) ?? [];
    if (name && message && !name.endsWith('-upstream-conf')) inputs.problem(name, message);
  }
  const result: EdgeDeployInputs = {
    ...ssh,
    version: inputs.required('version', RULES.version),
    params,
    root,
    configPath: inputs.required('config-path', CONFIG_PATH),
    templatesDir: resolve(workspace, inputs.required('templates', RELATIVE_PATH)),
    testCommand: inputs.words('test-command'),
    reloadCommand: inputs.words('reload-command'),
    checkPath: inputs.required('check-path', CHECK_PATH),
    keepReleases: inputs.integer('keep-releases', { min: 1, max: 100 }),
  };
  const ca = readCaFile(inputs, workspace);
  if (ca) result.ca = ca;
  inputs.done();
  return result;
}
