import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import type { UploadSettings } from '../../lib/sentry/plan';
import { describeToken, sameServer, tokenSecrets } from '../../lib/sentry/token';

export interface UploadInputs extends UploadSettings {
  deleteAfter: boolean;
  npmRegistry: string;
}

/** Sentry's organization and project slugs (lower-case letters, digits, `-`, `_`), or a numeric ID. */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,49}$/;
/**
 * A release name Sentry and sentry-cli both accept: no slash, no line break or tab, not `.`, `..`
 * or `latest`, no surrounding spaces, at most 200 characters; never starting with `-`, so it can
 * never be read as an option.
 */
export const RELEASE = /^(?!\.{1,2}$)(?!latest$)[^\s/-](?:[^/\r\n\t\f\v]{0,198}[^\s/])?$/;
export const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `~/…`, or a scheme such as `app:///` or `https://cdn.example.com/…`; no spaces. */
export const URL_PREFIX = /^(?:~|[a-z][a-z0-9+.-]*:\/\/)[^\s]*$/;
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:\/[^\s?#]*)?$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function readInputs(core: Pick<Core, 'getInput' | 'setSecret'>, env = process.env): UploadInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  // The token first, so it is masked before anything else can print.
  const authToken = inputs.secret('auth-token', { required: true }) ?? '';
  for (const part of tokenSecrets(authToken).slice(1)) core.setSecret(part);
  const workspace = env.GITHUB_WORKSPACE || process.cwd();

  const url = inputs.required('url', {
    pattern: HTTP_URL,
    expected: 'the Sentry server URL, e.g. `https://sentry.io/` or `https://sentry.example.com/`',
  });
  if (url && url.startsWith('http://') && !LOOPBACK.has(new URL(url).hostname))
    inputs.problem('url', 'must use https (the auth token would cross the network in clear text)');
  const org = inputs.required('org', { pattern: SLUG, expected: 'the organization slug, e.g. `contextai`' });
  const project = inputs.required('project', {
    pattern: SLUG,
    expected: 'the project slug, e.g. `contextai-web`',
  });
  const release = inputs.optional('release', {
    pattern: RELEASE,
    expected: 'a release name without `/`, line breaks or surrounding spaces (at most 200 characters)',
  });
  const environment = inputs.optional('environment', {
    pattern: ENVIRONMENT,
    expected: 'an environment name such as `staging` or `production`',
  });
  const paths = inputs.list('paths').map((path) => resolve(workspace, path));
  paths.forEach((path, i) => checkDirectory(inputs, path, i));
  const result: UploadInputs = {
    url,
    org,
    project,
    authToken,
    ...(release ? { release } : {}),
    ...(environment ? { environment } : {}),
    paths,
    urlPrefix: inputs.required('url-prefix', {
      pattern: URL_PREFIX,
      expected: '`~/` (any host), `~/static/`, `app:///` or an absolute URL prefix',
    }),
    inject: inputs.boolean('inject'),
    finalize: inputs.boolean('finalize'),
    deploy: inputs.boolean('deploy'),
    deleteAfter: inputs.boolean('delete-after'),
    npmRegistry: inputs.required('npm-registry', {
      pattern: /^https?:\/\/[^\s?#]+$/,
      expected: 'an npm registry URL such as `https://registry.npmjs.org`',
    }),
  };
  checkCombinations(inputs, result);
  checkToken(inputs, result);
  inputs.done();
  return result;
}

function checkDirectory(inputs: Inputs, path: string, index: number): void {
  const where = `item #${index + 1} (\`${path}\`)`;
  if (!existsSync(path))
    inputs.problem('paths', `${where} does not exist: was the build run before this step?`);
  else if (!statSync(path).isDirectory()) inputs.problem('paths', `${where} is not a directory`);
}

function checkCombinations(inputs: Inputs, value: UploadInputs): void {
  if (value.finalize && !value.release) inputs.problem('finalize', 'needs a `release` to finalize');
  if (value.deploy && !value.release) inputs.problem('deploy', 'needs a `release` to record a deploy of');
  if (value.deploy && !value.environment) inputs.problem('deploy', 'needs the `environment` deployed to');
  if (value.paths.length === 0) {
    if (value.inject) inputs.problem('inject', 'needs `paths` to inject into');
    if (value.deleteAfter) inputs.problem('delete-after', 'needs `paths` to delete source maps from');
    if (!value.finalize && !value.deploy)
      inputs.problem('paths', 'is required unless the step only finalizes or records a deploy');
  }
}

/** An organization token names its server and organization: they must be the ones given. */
function checkToken(inputs: Inputs, value: UploadInputs): void {
  if (!value.authToken) return;
  const token = describeToken(value.authToken);
  if (token.kind === 'org-unreadable')
    inputs.problem(
      'auth-token',
      'starts like an organization token (`sntrys_`) but is malformed: copy it again',
    );
  if (token.kind !== 'org') return;
  if (value.org && token.org !== value.org)
    inputs.problem(
      'auth-token',
      `belongs to organization \`${token.org}\`, not to \`org\` (\`${value.org}\`)`,
    );
  if (token.url && !sameServer(token.url, value.url))
    inputs.problem(
      'auth-token',
      `was issued by ${token.url}, not by \`url\` (${value.url}); sentry-cli would send the upload to the token's server`,
    );
}
