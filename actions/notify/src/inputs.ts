import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import type { DeployJobs, JobResult } from '../../lib/alert/deploy-notice';
import { readSlackTarget } from '../../lib/alert/inputs';
import type { SlackTarget } from '../../lib/alert/slack';

export interface NotifyInputs {
  environment: string;
  version: string;
  jobs: DeployJobs;
  /** When the pipeline started, if known. */
  startedAt?: Date;
  slack?: SlackTarget;
  githubToken: string;
}

const RESULT = {
  pattern: /^(success|failure|cancelled|skipped)$/,
  expected: '`success`, `failure`, `cancelled` or `skipped` (a `needs.<job>.result`)',
};

export function readInputs(core: Core): NotifyInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const result = (name: string) => (inputs.optional(name, RESULT) ?? '') as JobResult;
  const githubToken = inputs.secret('github-token') ?? '';
  const slack = readSlackTarget(inputs);
  const startedText = inputs.optional('started-at', {
    pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
    expected: 'an RFC 3339 time such as `2026-01-31T12:00:00Z`',
  });
  const values: NotifyInputs = {
    environment: inputs.required('environment', {
      pattern: /^[A-Za-z0-9._-]{1,64}$/,
      expected: 'an environment name',
    }),
    version: inputs.optional('version', { pattern: /^[^\s]{1,128}$/, expected: 'a version' }) ?? '',
    jobs: {
      build: result('build-result'),
      scan: result('scan-result'),
      deploy: result('deploy-result'),
      rolledBack: inputs.boolean('rolled-back'),
    },
    ...(startedText ? { startedAt: new Date(startedText) } : {}),
    ...(slack ? { slack } : {}),
    githubToken,
  };
  inputs.done();
  return values;
}
