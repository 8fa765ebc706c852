import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { runUrl } from '../../lib/action/run-link';
import { writeSummary } from '../../lib/action/summary';
import { deployMessage } from '../../lib/alert/deploy-notice';
import { postToSlack } from '../../lib/alert/slack';
import { findApprover } from '../../lib/github/approvals';
import { runId, runRepository } from '../../lib/github/run-context';
import { readInputs } from './inputs';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const approval = await findApprover({
    token: inputs.githubToken,
    repository: runRepository(),
    runId: runId(),
    environment: inputs.environment,
  });
  if (approval.unknownBecause) core.info(`The approver is unknown: ${approval.unknownBecause}`);
  const message = deployMessage({
    environment: inputs.environment,
    version: inputs.version,
    jobs: inputs.jobs,
    duration: inputs.startedAt ? formatDuration(Date.now() - inputs.startedAt.getTime()) : 'unknown',
    approver: approval.text,
    runUrl: runUrl(),
  });
  core.info(message.text);
  core.setOutput('text', message.text);
  core.setOutput('approver', approval.text);
  core.setOutput('sent', 'false');
  await writeSummary(core, (summary) => summary.addRaw(`Slack: ${message.text}`, true));

  if (!inputs.slack) {
    core.warning('Slack notification NOT sent: `slack-token` (SLACK_BOT_TOKEN) or `slack-channel` is empty');
    return;
  }
  // A notification that fails silently is how outages go unnoticed: a refused one fails the step.
  await postToSlack(inputs.slack, message, { log: core });
  core.setOutput('sent', 'true');
  core.info(`Slack notification sent to ${inputs.slack.channel}`);
}
