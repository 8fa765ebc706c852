import type { Log } from './progress';
import { notifySlack } from '../../common/src/slack';
import type { SlackInputs } from './inputs';

/** The link to this run on GitHub, when running there. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : undefined;
}

/** `subject` names what failed, e.g. "database `app`" or "`postgres/app/`". */
export function failureText(
  what: string,
  subject: string,
  reason: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const link = runUrl(env);
  return `:rotating_light: ${what} FAILED for ${subject}: ${reason}${link ? `\n<${link}|Open the run>` : ''}`;
}

/**
 * Sends a failure alert when Slack is configured. A failed alert does not hide the
 * original failure: it is logged as an error and returned for the final message.
 */
export async function alertFailure(
  slack: SlackInputs | undefined,
  text: string,
  log: Log,
): Promise<string | undefined> {
  if (!slack) return undefined;
  try {
    await notifySlack({ token: slack.token, channel: slack.channel, text });
    log.info(`Alert sent to Slack ${slack.channel}`);
    return undefined;
  } catch (error) {
    const message = `The Slack alert could not be sent: ${(error as Error).message}`;
    log.warning(message);
    return message;
  }
}
