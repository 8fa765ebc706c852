import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

export interface FakeSlackMessage {
  channel: string;
  text: string;
  blocks?: unknown;
}

export interface FakeSlack {
  /** Base URL of the fake Web API, ending with `/` (pass as `apiUrl` or SLACK_API_URL). */
  url: string;
  messages: FakeSlackMessage[];
  close(): Promise<void>;
}

/** The only token the fake accepts; any other bearer gets `invalid_auth`, like Slack. */
export const FAKE_SLACK_TOKEN = 'xoxb-fake-slack-token';

/**
 * A local server speaking Slack's chat.postMessage: bearer token, JSON body, answers
 * `{ ok: true, ... }` or `{ ok: false, error }` with HTTP 200 as Slack does. Records
 * delivered messages for assertions.
 */
export async function startFakeSlack(options: { token?: string } = {}): Promise<FakeSlack> {
  const token = options.token ?? FAKE_SLACK_TOKEN;
  const messages: FakeSlackMessage[] = [];
  const server = createServer(async (req, res) => {
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/api/chat.postMessage')
      return answer(404, { ok: false, error: 'unknown_method' });
    if (req.headers.authorization !== `Bearer ${token}`)
      return answer(200, { ok: false, error: 'invalid_auth' });
    if (!String(req.headers['content-type']).startsWith('application/json'))
      return answer(200, { ok: false, error: 'invalid_form_data' });
    let body: { channel?: unknown; text?: unknown; blocks?: unknown };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return answer(200, { ok: false, error: 'invalid_json' });
    }
    if (typeof body.channel !== 'string' || !body.channel)
      return answer(200, { ok: false, error: 'channel_not_found' });
    if (typeof body.text !== 'string' && !Array.isArray(body.blocks))
      return answer(200, { ok: false, error: 'no_text' });
    messages.push({
      channel: body.channel,
      text: String(body.text ?? ''),
      ...(body.blocks ? { blocks: body.blocks } : {}),
    });
    answer(200, {
      ok: true,
      channel: body.channel,
      ts: `${Date.now() / 1000}`,
      message: { text: body.text },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
