import type { Core } from '../../lib/action/core';
import { Inputs, RULES } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';

const STEPS = ['start', 'finish', 'find'] as const;
const ENVIRONMENT = { pattern: /^[A-Za-z0-9._-]{1,64}$/, expected: 'an environment name' };
const DIGEST_REF = {
  pattern: /^[a-z0-9][a-z0-9._:/-]*@sha256:[0-9a-f]{64}$/,
  expected: 'an image pinned by digest (`name@sha256:<64 hex>`)',
};
const URL = { pattern: /^https?:\/\/[^\s]+$/, expected: 'an http(s) URL' };

export type DeploymentInputs =
  | {
      step: 'start';
      token: string;
      environment: string;
      version: string;
      apiImage: string;
      webImage: string;
      ref: string;
      environmentUrl?: string;
    }
  | {
      step: 'finish';
      token: string;
      environment: string;
      deploymentId: number;
      state: 'success' | 'failure';
      environmentUrl?: string;
    }
  | { step: 'find'; token: string; environment: string; version: string };

/** Reads and checks every input the step needs, before any request. */
export function readInputs(core: Core): DeploymentInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const step = inputs.oneOf('step', STEPS);
  const token = inputs.secret('github-token') ?? '';
  if (!token) inputs.problem('github-token', 'is required (the job token: `${{ github.token }}`)');
  const environment = inputs.required('environment', ENVIRONMENT);
  const environmentUrl = inputs.optional('environment-url', URL);
  if (step === 'start') {
    const values = {
      step,
      token,
      environment,
      version: inputs.required('version', RULES.version),
      apiImage: inputs.required('api-image', DIGEST_REF),
      webImage: inputs.required('web-image', DIGEST_REF),
      ref: inputs.required('ref', { pattern: /^[^\s]{1,255}$/, expected: 'a ref or commit' }),
      environmentUrl,
    };
    inputs.done();
    return values;
  }
  if (step === 'finish') {
    const id = inputs.required('deployment-id', {
      pattern: /^\d{1,20}$/,
      expected: "start's `deployment-id`",
    });
    const state = inputs.required('state', {
      pattern: /^(success|failure|cancelled)$/,
      expected: '`success` or `failure` (`cancelled` counts as failure)',
    });
    inputs.done();
    return {
      step,
      token,
      environment,
      deploymentId: Number(id),
      state: state === 'success' ? 'success' : 'failure',
      environmentUrl,
    };
  }
  const version = inputs.required('version', RULES.version);
  inputs.done();
  return { step, token, environment, version };
}
