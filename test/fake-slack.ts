import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

export interface FakeSlackMessage {
  channel: string;
  text: string;
  blocks?: unknown;
}

/** An answer the fake gives instead of delivering, for the next request(s): a 429 or a 5xx. */
export interface FakeSlackFailure {
  status: 429 | 500 | 502 | 503;
  /** Seconds in the `Retry-After` header (429s). */
  retryAfter?: number;
}

export interface FakeSlack {
  /** Base URL of the fake Web API, ending with `/` (pass as `apiUrl` or SLACK_API_URL). */
  url: string;
  messages: FakeSlackMessage[];
  /** Every request to chat.postMessage, delivered or not, with its arrival time. */
  requests: { at: number; status: number }[];
  /** The next requests get these answers, in order, instead of being delivered. */
  failNext(...failures: FakeSlackFailure[]): void;
  close(): Promise<void>;
}

/** The only token the fake accepts; any other bearer gets `invalid_auth`, like Slack. */
export const FAKE_SLACK_TOKEN = 'xoxb-fake-slack-token';

/**
 * A local server speaking Slack's chat.postMessage: bearer token, a JSON or form-encoded body (the
 * two Slack accepts; @slack/web-api sends the form), answers `{ ok: true, ... }` or `{ ok: false,
 * error }` with HTTP 200 as Slack does, HTTP 429 with `Retry-After` when rate limited. Blocks are
 * checked against Block Kit's rules for the block types the pipeline sends. Records delivered
 * messages for assertions.
 */
export async function startFakeSlack(options: { token?: string } = {}): Promise<FakeSlack> {
  const token = options.token ?? FAKE_SLACK_TOKEN;
  const messages: FakeSlackMessage[] = [];
  const requests: FakeSlack['requests'] = [];
  const failures: FakeSlackFailure[] = [];
  const server = createServer(async (req, res) => {
    const answer = (status: number, body: object, headers: Record<string, string> = {}) => {
      if (req.url === '/api/chat.postMessage') requests.push({ at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/api/chat.postMessage')
      return answer(404, { ok: false, error: 'unknown_method' });
    const failure = failures.shift();
    if (failure?.status === 429)
      return answer(
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(failure.retryAfter ?? 1) },
      );
    if (failure) return answer(failure.status, { ok: false, error: 'internal_error' });
    if (req.headers.authorization !== `Bearer ${token}`)
      return answer(200, { ok: false, error: 'invalid_auth' });
    const body = parseBody(String(req.headers['content-type']), await readBody(req));
    if (!body) return answer(200, { ok: false, error: 'invalid_form_data' });
    if (typeof body.channel !== 'string' || !body.channel)
      return answer(200, { ok: false, error: 'channel_not_found' });
    if (body.blocks !== undefined && blocksProblem(body.blocks))
      return answer(200, { ok: false, error: 'invalid_blocks', errors: [blocksProblem(body.blocks)] });
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
    requests,
    failNext: (...next) => void failures.push(...next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface PostBody {
  channel?: unknown;
  text?: unknown;
  blocks?: unknown;
}

/** A JSON body, or a form whose `blocks` field is JSON text (as Slack reads it); undefined when neither parses. */
function parseBody(contentType: string, text: string): PostBody | undefined {
  try {
    if (contentType.startsWith('application/json')) return JSON.parse(text) as PostBody;
    if (!contentType.startsWith('application/x-www-form-urlencoded')) return undefined;
    const form = Object.fromEntries(new URLSearchParams(text));
    return { ...form, ...(form.blocks !== undefined ? { blocks: JSON.parse(form.blocks) as unknown } : {}) };
  } catch {
    return undefined;
  }
}

/** Block Kit's limits for the block types the pipeline uses; the first broken rule, if any. */
function blocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks) || blocks.length > 50) return 'blocks must be a list of at most 50 blocks';
  for (const [i, block] of blocks.entries()) {
    const b = block as { type?: unknown; text?: TextObject; fields?: unknown; elements?: unknown };
    const where = `block #${i + 1} (${String(b.type)})`;
    if (b.type === 'header') {
      if (b.text?.type !== 'plain_text' || !validText(b.text, 150))
        return `${where}: needs plain_text of at most 150 characters`;
    } else if (b.type === 'section') {
      const fields = b.fields as TextObject[] | undefined;
      if (!b.text && !fields) return `${where}: needs text or fields`;
      if (b.text && !validText(b.text, 3000)) return `${where}: text must be 1 to 3000 characters`;
      if (
        fields &&
        (!Array.isArray(fields) || fields.length > 10 || !fields.every((f) => validText(f, 2000)))
      )
        return `${where}: at most 10 fields of 1 to 2000 characters`;
    } else if (b.type === 'context') {
      const elements = b.elements as TextObject[] | undefined;
      if (
        !Array.isArray(elements) ||
        elements.length === 0 ||
        elements.length > 10 ||
        !elements.every((e) => validText(e, 3000))
      )
        return `${where}: 1 to 10 text elements`;
    } else if (b.type !== 'divider') return `${where}: unsupported block type`;
  }
  return undefined;
}

interface TextObject {
  type?: unknown;
  text?: unknown;
}

function validText(t: TextObject | undefined, max: number): boolean {
  return (
    (t?.type === 'plain_text' || t?.type === 'mrkdwn') &&
    typeof t.text === 'string' &&
    t.text.length > 0 &&
    t.text.length <= max
  );
}
