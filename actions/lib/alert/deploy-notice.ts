// The deploy workflow's notification: one Slack message in Block Kit, with a plain-text fallback.
import type { KnownBlock } from '@slack/web-api';
import type { SlackMessage } from './slack';

/** A job's result as GitHub reports it in `needs.<job>.result`. */
export type JobResult = 'success' | 'failure' | 'cancelled' | 'skipped' | '';

export interface DeployJobs {
  build: JobResult;
  scan: JobResult;
  deploy: JobResult;
  /** The deploy job switched back to the previous version after a failed smoke test. */
  rolledBack: boolean;
}

export interface DeployNotice {
  environment: string;
  version: string;
  jobs: DeployJobs;
  /** Human duration, e.g. `4m 05s`, or `unknown`. */
  duration: string;
  /** Who approved the deployment (see lib/github/approvals.ts). */
  approver: string;
  runUrl?: string;
}

/**
 * How the deploy went. A skipped scan is only possible when the scanner is declared unavailable
 * (deploy.yml): it is said, never shown as a pass.
 */
export function deployOutcome(jobs: DeployJobs): string {
  const built = jobs.build === 'success' && jobs.deploy === 'success';
  if (built && jobs.scan === 'skipped') return ':warning: deployed, images NOT scanned (scanner unavailable)';
  if (built && jobs.scan === 'success') return ':white_check_mark: deployed';
  if (jobs.rolledBack) return ':rewind: smoke test failed, ROLLED BACK to the previous version';
  const result = (r: JobResult) => r || 'not run';
  return `:x: FAILED (build: ${result(jobs.build)}, scan: ${result(jobs.scan)}, deploy: ${result(jobs.deploy)})`;
}

export function deployMessage(notice: DeployNotice): SlackMessage {
  const outcome = deployOutcome(notice.jobs);
  const version = notice.version || '?';
  const link = notice.runUrl ? ` — ${notice.runUrl}` : '';
  const text = `*${notice.environment}* ${version}: ${outcome} (approved by: ${notice.approver}; ${notice.duration})${link}`;
  const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${value}` });
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: `Deploy to ${notice.environment}: ${version}`.slice(0, 150) },
    },
    {
      type: 'section',
      fields: [
        field('Environment', notice.environment),
        field('Version', `\`${version}\``),
        field('Outcome', outcome),
        field('Duration', notice.duration),
        field('Approved by', notice.approver),
        field('Run', notice.runUrl ? `<${notice.runUrl}|Open the run>` : 'not on GitHub'),
      ],
    },
  ];
  return { text, blocks };
}
