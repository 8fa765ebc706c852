import type { Core } from '../../lib/action/core';
import { runUrl } from '../../lib/action/run-link';
import {
  findSuccessfulDeployment,
  setDeploymentStatus,
  startDeployment,
  type GitHubTarget,
} from '../../lib/github/deployments';
import { runRepository } from '../../lib/github/run-context';
import { readInputs } from './inputs';
import { writeDeploymentSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const target: GitHubTarget = { token: inputs.token, repository: runRepository() };
  const logUrl = runUrl();
  if (inputs.step === 'start') {
    const payload = { version: inputs.version, images: { api: inputs.apiImage, web: inputs.webImage } };
    const id = await startDeployment(target, {
      ref: inputs.ref,
      environment: inputs.environment,
      payload,
      environmentUrl: inputs.environmentUrl,
      logUrl,
    });
    core.setOutput('deployment-id', String(id));
    core.info(`GitHub deployment #${id}: ${inputs.version} to ${inputs.environment}, in progress`);
    await writeDeploymentSummary(core, `Deployment #${id} to ${inputs.environment}: in progress`, payload);
  } else if (inputs.step === 'finish') {
    await setDeploymentStatus(target, inputs.deploymentId, inputs.state, {
      environmentUrl: inputs.environmentUrl,
      logUrl,
    });
    core.info(`GitHub deployment #${inputs.deploymentId} to ${inputs.environment}: ${inputs.state}`);
  } else {
    const found = await findSuccessfulDeployment(target, inputs.environment, inputs.version);
    core.setOutput('api-image', found.payload.images.api);
    core.setOutput('web-image', found.payload.images.web);
    core.setOutput('sha', found.sha);
    core.info(
      `${inputs.version} succeeded in ${inputs.environment} as deployment #${found.id} (${found.sha})`,
    );
    await writeDeploymentSummary(
      core,
      `${inputs.version}: the digests ${inputs.environment} proved (deployment #${found.id}, commit ${found.sha.slice(0, 12)})`,
      found.payload,
    );
  }
}
