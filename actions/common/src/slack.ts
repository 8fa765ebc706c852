export interface SlackMessage {
  token: string;
  channel: string;
  text: string;
  blocks?: unknown[];
  /** Base URL of the Web API, ending with `/`; tests point it at a local server. */
  apiUrl?: string;
}

/** Thrown when Slack refuses or cannot take a message; the message never holds the token. */
export class SlackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackError';
  }
}

/**
 * Posts a message with chat.postMessage and throws when it was not delivered: a non-2xx
 * answer or `ok: false` (slack-github-action only warned, and alerts were lost). The caller
 * decides whether a failed alert fails its action.
 */
export async function notifySlack(o: SlackMessage): Promise<void> {
  const base = o.apiUrl ?? process.env.SLACK_API_URL ?? 'https://slack.com/api/';
  const url = `${base.endsWith('/') ? base : `${base}/`}chat.postMessage`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${o.token}` },
      body: JSON.stringify({ channel: o.channel, text: o.text, ...(o.blocks ? { blocks: o.blocks } : {}) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SlackError(`Slack message to ${o.channel} was not sent: ${scrub(reason, o.token)}`);
  }
  const body = (await response.json().catch(() => undefined)) as { ok?: boolean; error?: string } | undefined;
  if (!response.ok || body?.ok !== true) {
    const reason = body?.error ?? `HTTP ${response.status}`;
    throw new SlackError(`Slack refused the message to ${o.channel}: ${scrub(reason, o.token)}`);
  }
}

function scrub(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}
