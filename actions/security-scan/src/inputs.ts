import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Core } from '../../common/src/core';
import { Inputs } from '../../common/src/inputs';
import { IMAGE_NAME, TAG } from '../../docker-build-push/src/image-name';
import { parseSeverities } from './gate';
import type { Severity } from './report';
import { COMPROMISED_VERSIONS, DEFAULT_DOWNLOAD_BASE_URL, DEFAULT_TRIVY_VERSION, VERSION } from './release';

export interface ScanInputs {
  imageRef: string;
  severities: Severity[];
  ignoreUnfixed: boolean;
  trivyVersion: string;
  failOnFindings: boolean;
  sarifFile: string;
  cacheDir: string;
  skipDbUpdate: boolean;
  downloadBaseUrl: string;
}

/** `name`, `name:tag`, `name@sha256:…` or `name:tag@sha256:…`. */
export const IMAGE_REF = new RegExp(
  `^${IMAGE_NAME.source.slice(1, -1)}(?::${TAG.source.slice(1, -1)})?(?:@sha256:[0-9a-f]{64})?$`,
);

export function readInputs(core: Core, env: NodeJS.ProcessEnv = process.env): ScanInputs {
  const inputs = new Inputs(core);
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const imageRef = inputs.required('image-ref', {
    pattern: IMAGE_REF,
    expected: 'an image reference such as `ghcr.io/org/api@sha256:…` or `127.0.0.1:5000/ctx/api:main`',
  });
  const severityItems = inputs.list('severity');
  const severities = parseSeverities(severityItems.length ? severityItems : ['CRITICAL', 'HIGH']);
  if (!severities)
    inputs.problem('severity', 'must list severities among CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN');

  const trivyVersion = (
    inputs.optional('trivy-version', DEFAULT_TRIVY_VERSION) ?? DEFAULT_TRIVY_VERSION
  ).replace(/^v/, '');
  if (!VERSION.test(trivyVersion))
    inputs.problem('trivy-version', 'must be a release version such as `0.69.3`');
  else if (COMPROMISED_VERSIONS.has(trivyVersion))
    inputs.problem(
      'trivy-version',
      `names a release that was replaced by malware in March 2026; use ${DEFAULT_TRIVY_VERSION}`,
    );

  const downloadBaseUrl = inputs.optional('download-base-url', DEFAULT_DOWNLOAD_BASE_URL, {
    pattern: /^https?:\/\/[^\s?#]+$/,
    expected: 'an http(s) URL without query, such as the default GitHub releases URL',
  });
  const cacheDirInput = inputs.optional('cache-dir');
  const result: ScanInputs = {
    imageRef,
    severities: severities ?? [],
    ignoreUnfixed: inputs.boolean('ignore-unfixed', true),
    trivyVersion,
    failOnFindings: inputs.boolean('fail-on-findings', true),
    sarifFile: resolve(
      workspace,
      inputs.optional('sarif-file', 'trivy-results.sarif') ?? 'trivy-results.sarif',
    ),
    cacheDir: cacheDirInput ? resolve(workspace, cacheDirInput) : defaultCacheDir(env),
    skipDbUpdate: inputs.boolean('skip-db-update', false),
    downloadBaseUrl: downloadBaseUrl ?? DEFAULT_DOWNLOAD_BASE_URL,
  };
  inputs.done();
  return result;
}

/** Next to the tool cache on a runner (kept between jobs on self-hosted runners), else Trivy's own default. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, 'trivy-cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trivy');
}
