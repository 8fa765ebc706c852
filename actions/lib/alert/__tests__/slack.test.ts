import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../../test/fake-slack';
import { postToSlack, SlackError } from '../slack';

describe('postToSlack', () => {
  let slack: FakeSlack;
  const target = { token: FAKE_SLACK_TOKEN, channel: '#ops' };
  const fast = () => ({ apiUrl: slack.url, retryDelayMs: 50 });
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  beforeEach(() => {
    slack.requests.length = 0;
  });
  afterAll(() => slack.close());

  it('posts text and blocks to chat.postMessage with the bearer token', async () => {
    const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*hi*' } }];
    await postToSlack(target, { text: 'backup failed', blocks }, { apiUrl: slack.url });
    expect(slack.messages.at(-1)).toEqual({ channel: '#ops', text: 'backup failed', blocks });
  });

  it('throws on ok:false without revealing the token, and does not retry it', async () => {
    const token = 'xoxb-wrong-canary-123456';
    const error = await postToSlack({ token, channel: '#ops' }, { text: 'x' }, fast()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SlackError);
    expect((error as Error).message).toBe('Slack refused the message to #ops: invalid_auth');
    expect(slack.requests).toHaveLength(1);
  });

  it('refuses blocks that break Block Kit’s rules, as Slack does', async () => {
    const header = { type: 'header' as const, text: { type: 'plain_text' as const, text: 'x'.repeat(151) } };
    await expect(postToSlack(target, { text: 'x', blocks: [header] }, fast())).rejects.toThrow(
      /refused the message to #ops: invalid_blocks/,
    );
  });

  it('retries a server error and delivers', async () => {
    slack.failNext({ status: 503 }, { status: 500 });
    await postToSlack(target, { text: 'after two 5xx' }, fast());
    expect(slack.requests.map((r) => r.status)).toEqual([503, 500, 200]);
    expect(slack.messages.at(-1)?.text).toBe('after two 5xx');
  });

  it('waits out a rate limit for its Retry-After, then delivers', async () => {
    slack.failNext({ status: 429, retryAfter: 1 });
    const logged: string[] = [];
    await postToSlack(
      target,
      { text: 'after 429' },
      { ...fast(), log: { info: (m) => logged.push(m), warning: () => undefined } },
    );
    const [limited, delivered] = slack.requests;
    expect([limited?.status, delivered?.status]).toEqual([429, 200]);
    expect(delivered!.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(logged.join('\n')).toMatch(/rate limit/i);
  });

  it('gives up after its retries on an unreachable server or a wrong URL', async () => {
    await expect(
      postToSlack(target, { text: 'x' }, { ...fast(), apiUrl: `${slack.url}nope/` }),
    ).rejects.toThrow(/not sent: HTTP 404/);
    expect(slack.requests).toHaveLength(0);
    await expect(
      postToSlack(target, { text: 'x' }, { apiUrl: 'http://127.0.0.1:9/api/', retries: 1, retryDelayMs: 10 }),
    ).rejects.toThrow(/Slack message to #ops was not sent/);
  });

  it('reads the API URL from SLACK_API_URL when none is given; an empty one means Slack’s', async () => {
    process.env.SLACK_API_URL = slack.url;
    try {
      await postToSlack({ ...target, channel: '#env' }, { text: 'via env' }, { apiUrl: '' });
    } finally {
      delete process.env.SLACK_API_URL;
    }
    expect(slack.messages.at(-1)?.channel).toBe('#env');
  });
});
