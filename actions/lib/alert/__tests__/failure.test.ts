import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../../test/fake-slack';
import { AlertedFailure, withFailureAlert, type FailureAlert } from '../failure';

describe('withFailureAlert', () => {
  let slack: FakeSlack;
  const logged: string[] = [];
  const alert = (over: Partial<FailureAlert> = {}): FailureAlert => ({
    slack: { token: FAKE_SLACK_TOKEN, channel: '#ops' },
    what: 'Backup FAILED',
    subject: 'database `app`',
    scrub: (text) => text.replaceAll('pw-canary', '***'),
    log: { info: (m) => logged.push(m), warning: (m) => logged.push(`warning: ${m}`) },
    ...over,
  });
  const failing = (message: string) => async () => {
    throw new Error(message);
  };

  beforeAll(async () => {
    slack = await startFakeSlack();
    process.env.SLACK_API_URL = slack.url;
    Object.assign(process.env, {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '9',
    });
  });
  afterAll(async () => {
    for (const name of ['SLACK_API_URL', 'GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'])
      delete process.env[name];
    await slack.close();
  });

  it('returns what the work returns, and sends nothing', async () => {
    expect(await withFailureAlert(alert(), async () => 42)).toBe(42);
    expect(slack.messages).toHaveLength(0);
  });

  it('alerts with the scrubbed reason and the run link, then rethrows the scrubbed reason', async () => {
    let stage = 'Backup';
    const error = await withFailureAlert(alert({ what: () => `${stage} FAILED` }), async () => {
      stage = 'Backup retention';
      throw new Error('password pw-canary refused');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertedFailure);
    expect(error).toMatchObject({ what: 'Backup retention FAILED', message: 'password *** refused' });
    expect(slack.messages.at(-1)).toEqual({
      channel: '#ops',
      text: ':rotating_light: Backup retention FAILED for database `app`: password *** refused\n<https://github.com/o/r/actions/runs/9|Open the run>',
    });
    expect(logged).toContain('Alert sent to Slack #ops');
  });

  it('adds a failed alert to the failure, never hiding it', async () => {
    const bad = alert({ slack: { token: 'xoxb-wrong', channel: '#ops' } });
    const error = (await withFailureAlert(bad, failing('disk full')).catch(
      (e: unknown) => e,
    )) as AlertedFailure;
    expect(error.message).toBe(
      'disk full\nThe Slack alert could not be sent: Slack refused the message to #ops: invalid_auth',
    );
    expect(error.alertProblem).toMatch(/invalid_auth/);
  });

  it('only rethrows when no Slack is configured', async () => {
    const before = slack.messages.length;
    await expect(withFailureAlert(alert({ slack: undefined }), failing('x'))).rejects.toThrow(/^x$/);
    expect(slack.messages).toHaveLength(before);
  });
});
