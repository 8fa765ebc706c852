import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { IMAGE_REF } from '../../lib/image/image-name';
import { parseSeverities } from '../../lib/scan/gate';
import { COMPROMISED_VERSIONS, VERSION } from '../../lib/scan/release';
import type { Severity } from '../../lib/scan/trivy-report';

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

export function readInputs(core: Core, env: NodeJS.ProcessEnv = process.env): ScanInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const imageRef = inputs.required('image-ref', {
    pattern: IMAGE_REF,
    expected: 'an image reference such as `ghcr.io/org/api@sha256:…` or `127.0.0.1:5000/ctx/api:main`',
  });
  const severities = parseSeverities(inputs.list('severity'));
  if (!severities)
    inputs.problem('severity', 'must list severities among CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN');

  const trivyVersion = inputs.required('trivy-version').replace(/^v/, '');
  if (!VERSION.test(trivyVersion))
    inputs.problem('trivy-version', 'must be a release version such as `0.69.3`');
  else if (COMPROMISED_VERSIONS.has(trivyVersion))
    inputs.problem(
      'trivy-version',
      "names a release that was replaced by malware in March 2026; leave it empty for the action's default",
    );

  const downloadBaseUrl = inputs.required('download-base-url', {
    pattern: /^https?:\/\/[^\s?#]+$/,
    expected: 'an http(s) URL without query, such as the default GitHub releases URL',
  });
  const cacheDirInput = inputs.optional('cache-dir');
  const result: ScanInputs = {
    imageRef,
    severities: severities ?? [],
    ignoreUnfixed: inputs.boolean('ignore-unfixed'),
    trivyVersion,
    failOnFindings: inputs.boolean('fail-on-findings'),
    sarifFile: resolve(workspace, inputs.required('sarif-file')),
    cacheDir: cacheDirInput ? resolve(workspace, cacheDirInput) : defaultCacheDir(env),
    skipDbUpdate: inputs.boolean('skip-db-update'),
    downloadBaseUrl,
  };
  inputs.done();
  return result;
}

/** Next to the tool cache on a runner (kept between jobs on self-hosted runners), else Trivy's own default. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, 'trivy-cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trivy');
}
