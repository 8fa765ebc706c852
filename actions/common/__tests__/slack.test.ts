import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifySlack } from '../src/slack';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../test/fake-slack';

describe('notifySlack', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(() => slack.close());

  it('posts text and blocks to chat.postMessage with the bearer token', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    await notifySlack({
      token: FAKE_SLACK_TOKEN,
      channel: '#ops',
      text: 'backup failed',
      blocks,
      apiUrl: slack.url,
    });
    expect(slack.messages.at(-1)).toEqual({ channel: '#ops', text: 'backup failed', blocks });
  });

  it('throws on ok:false without revealing the token', async () => {
    const token = 'xoxb-wrong-canary-123456';
    const error = await notifySlack({ token, channel: '#ops', text: 'x', apiUrl: slack.url }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('invalid_auth');
    expect((error as Error).message).not.toContain(token);
  });

  it('throws on a non-2xx answer and on an unreachable server', async () => {
    await expect(
      notifySlack({ token: FAKE_SLACK_TOKEN, channel: '#ops', text: 'x', apiUrl: `${slack.url}nope/` }),
    ).rejects.toThrow(/HTTP 404|unknown_method/);
    await expect(
      notifySlack({ token: FAKE_SLACK_TOKEN, channel: '#ops', text: 'x', apiUrl: 'http://127.0.0.1:9/api/' }),
    ).rejects.toThrow(/not sent/);
  });

  it('reads the API URL from SLACK_API_URL when none is given', async () => {
    process.env.SLACK_API_URL = slack.url;
    try {
      await notifySlack({ token: FAKE_SLACK_TOKEN, channel: '#env', text: 'via env' });
    } finally {
      delete process.env.SLACK_API_URL;
    }
    expect(slack.messages.at(-1)?.channel).toBe('#env');
  });
});
