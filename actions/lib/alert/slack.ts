// The one Slack client: every alert and the deploy notification go through postToSlack.
import { ErrorCode, LogLevel, WebClient, type KnownBlock, type Logger } from '@slack/web-api';
import type { Log } from '../action/core';
import { redact } from '../action/secrets';
import { explainNetworkError, safeAddress } from '../system/network-error';

/** Where a message goes: a bot token (`chat:write`) and a channel name or ID. */
export interface SlackTarget {
  token: string;
  channel: string;
}

export interface SlackMessage {
  /** The notification text, and what clients show where blocks cannot be shown. */
  text: string;
  blocks?: KnownBlock[];
}

export interface SlackOptions {
  /** Base URL of the Web API; default SLACK_API_URL, else Slack's. Tests point it at a local server. */
  apiUrl?: string;
  /** Retries after a failed request (connection error, HTTP 5xx, HTTP 429 after its Retry-After). */
  retries?: number;
  /** Delay before the first retry; it doubles for each further one. */
  retryDelayMs?: number;
  /** Where the client's own notices go (e.g. "rate limited, retrying in 30 s"). */
  log?: Log;
}

/** Slack refused the message or could not be reached; the message never holds the token. */
export class SlackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackError';
  }
}

const DEFAULT_API_URL = 'https://slack.com/api/';
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Posts a message with chat.postMessage through @slack/web-api, which retries failed requests and
 * waits out rate limits (HTTP 429, Retry-After). Throws when the message was not delivered, `ok:
 * false` included (slack-github-action only warned, and alerts were lost); the caller decides
 * whether that fails its action.
 */
export async function postToSlack(
  target: SlackTarget,
  message: SlackMessage,
  options: SlackOptions = {},
): Promise<void> {
  const apiUrl = options.apiUrl || process.env.SLACK_API_URL || DEFAULT_API_URL;
  const client = new WebClient(target.token, {
    slackApiUrl: apiUrl,
    timeout: REQUEST_TIMEOUT_MS,
    retryConfig: {
      retries: options.retries ?? 2,
      factor: 2,
      minTimeout: options.retryDelayMs ?? 1_000,
      maxTimeout: 30_000,
      randomize: true,
    },
    logger: slackLogger(options.log),
  });
  try {
    await client.chat.postMessage({ channel: target.channel, text: message.text, blocks: message.blocks });
  } catch (error) {
    throw new SlackError(redact(describeFailure(error, target.channel, apiUrl), [target.token]));
  }
}

function describeFailure(error: unknown, channel: string, apiUrl: string): string {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number; original?: Error };
  if (e.code === ErrorCode.PlatformError) return `Slack refused the message to ${channel}: ${e.data?.error}`;
  const explained = explainNetworkError(e.original ?? error, {
    name: 'Slack Web API',
    address: safeAddress(apiUrl),
    hint: 'Check the runner’s network or proxy (and SLACK_API_URL if set); the message was not sent.',
  });
  if (explained !== (e.original ?? error))
    return `Slack message to ${channel} was not sent: ${(explained as Error).message}`;
  const reason =
    e.code === ErrorCode.HTTPError
      ? `HTTP ${e.statusCode}`
      : (e.original?.message ?? (error instanceof Error ? error.message : String(error)));
  return `Slack message to ${channel} was not sent: ${reason}`;
}

/** The client's log lines worth showing (retries, rate limits) go to `log`; its debug output nowhere. */
function slackLogger(log: Log | undefined): Logger {
  const show = (message: unknown[]) => log?.info(`Slack: ${message.map(String).join(' ')}`);
  return {
    debug: () => undefined,
    info: (...message: unknown[]) => show(message),
    warn: (...message: unknown[]) => show(message),
    error: (...message: unknown[]) => show(message),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
