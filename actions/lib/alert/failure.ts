import type { Log } from '../action/core';
import { errorMessage } from '../action/run';
import { runUrl } from '../action/run-link';
import { postToSlack, type SlackTarget } from './slack';

export interface FailureAlert {
  /** Where the alert goes; undefined: no alert, the failure is only rethrown. */
  slack?: SlackTarget;
  /** What failed, as the alert says it, e.g. `Backup FAILED`; read when the failure happens, so a job can name its stage. */
  what: string | (() => string);
  /** What it failed for, e.g. "database `app`". */
  subject: string;
  /** A sentence after the reason, e.g. what still serves. */
  note?: string;
  /** Removes secrets from the reason (it may hold what a tool or a driver printed). */
  scrub: (text: string) => string;
  log: Log;
}

/** The failure `withFailureAlert` rethrows: the scrubbed reason, and why the alert could not be sent. */
export class AlertedFailure extends Error {
  constructor(
    readonly what: string,
    readonly reason: string,
    readonly alertProblem?: string,
  ) {
    super(alertProblem ? `${reason}\n${alertProblem}` : reason);
    this.name = 'AlertedFailure';
  }
}

/**
 * Runs `work`; when it throws, posts "<what> for <subject>: <reason>" with the run's link to
 * Slack and rethrows an AlertedFailure. A failed alert never hides the failure: it is logged and
 * added to the rethrown message.
 */
export async function withFailureAlert<T>(alert: FailureAlert, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const what = typeof alert.what === 'function' ? alert.what() : alert.what;
    const reason = alert.scrub(errorMessage(error));
    throw new AlertedFailure(what, reason, await sendAlert(alert, failureText(what, alert, reason)));
  }
}

/** The alert's text: Slack mrkdwn, with a link to the run when there is one. */
export function failureText(
  what: string,
  alert: Pick<FailureAlert, 'subject' | 'note'>,
  reason: string,
): string {
  const link = runUrl();
  const note = alert.note ? ` ${alert.note}` : '';
  return `:rotating_light: ${what} for ${alert.subject}: ${reason}${note}${link ? `\n<${link}|Open the run>` : ''}`;
}

/** Sends the alert when Slack is configured; returns why it could not be sent, if it could not. */
async function sendAlert(alert: FailureAlert, text: string): Promise<string | undefined> {
  if (!alert.slack) return undefined;
  try {
    await postToSlack(alert.slack, { text }, { log: alert.log });
    alert.log.info(`Alert sent to Slack ${alert.slack.channel}`);
    return undefined;
  } catch (error) {
    const problem = `The Slack alert could not be sent: ${errorMessage(error)}`;
    alert.log.warning(problem);
    return problem;
  }
}
