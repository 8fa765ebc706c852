// The notify bundle as the runner runs it, against the fake Slack Web API and the fake GitHub REST API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub, fakeReview } from '../../../test/fake-github';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../test/fake-slack';
import { everythingPrinted, runAction } from '../../../test/run-action';

const GITHUB_TOKEN = 'ghs_fake-notify-token-canary';

describe('notify', () => {
  const github = new FakeGitHub(GITHUB_TOKEN);
  let slack: FakeSlack;
  let env: Record<string, string>;
  const inputs = {
    environment: 'production',
    version: '1.4.0',
    'build-result': 'success',
    'scan-result': 'success',
    'deploy-result': 'success',
    'rolled-back': 'false',
    'started-at': new Date(Date.now() - 125_000).toISOString(),
    'slack-token': FAKE_SLACK_TOKEN,
    'slack-channel': '#deploys',
    'github-token': GITHUB_TOKEN,
  };

  beforeAll(async () => {
    slack = await startFakeSlack();
    env = {
      GITHUB_API_URL: await github.start(),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'contextai/delivery',
      GITHUB_RUN_ID: '4242',
      SLACK_API_URL: slack.url,
    };
    github.runReviews.set('4242', [fakeReview('alice', 'production')]);
  });
  beforeEach(() => {
    slack.messages.length = 0;
  });
  afterAll(async () => {
    await slack.close();
    await github.stop();
  });

  it('posts environment, version, outcome, duration, run link and approver in Block Kit', async () => {
    const run = await runAction('notify', inputs, { env });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ sent: 'true', approver: '@alice' });
    const message = slack.messages.at(-1)!;
    expect(message.channel).toBe('#deploys');
    expect(message.text).toMatch(
      /^\*production\* 1\.4\.0: :white_check_mark: deployed \(approved by: @alice; 2m 0[5-9]s\)/,
    );
    const fields = (message.blocks as { fields?: { text: string }[] }[])[1]!.fields!.map((f) => f.text);
    expect(fields).toContain('*Approved by*\n@alice');
    expect(fields).toContain('*Run*\n<https://github.com/contextai/delivery/actions/runs/4242|Open the run>');
    expect(run.summary).toContain('Slack: *production* 1.4.0');
    expect(everythingPrinted(run)).not.toContain(GITHUB_TOKEN);
    expect(everythingPrinted(run)).not.toContain(FAKE_SLACK_TOKEN);
  });

  it('says "approver unknown" and still notifies when the API cannot tell', async () => {
    const run = await runAction('notify', { ...inputs, 'github-token': 'ghs_not-accepted' }, { env });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.approver).toBe('approver unknown');
    expect(run.stdout).toContain('The approver is unknown: HTTP 401');
    expect(slack.messages.at(-1)?.text).toContain('approved by: approver unknown');
  });

  it('tells a rolled-back deploy, with an unknown duration', async () => {
    const failed = { ...inputs, 'deploy-result': 'failure', 'rolled-back': 'true', 'started-at': '' };
    const run = await runAction('notify', failed, { env });
    expect(run.code, run.stdout).toBe(0);
    expect(slack.messages.at(-1)?.text).toContain(
      'ROLLED BACK to the previous version (approved by: @alice; unknown)',
    );
  });

  it('warns and succeeds without a Slack token', async () => {
    const run = await runAction('notify', { ...inputs, 'slack-token': '' }, { env });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.sent).toBe('false');
    expect(run.stdout).toMatch(/::warning::Slack notification NOT sent/);
    expect(slack.messages).toHaveLength(0);
  });

  it('fails when Slack refuses the message, and on bad inputs before any request', async () => {
    const refused = await runAction('notify', { ...inputs, 'slack-token': 'xoxb-wrong-canary' }, { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Slack refused the message to #deploys: invalid_auth');
    expect(everythingPrinted(refused)).not.toContain('xoxb-wrong-canary');
    const before = github.requests.length;
    const bad = await runAction(
      'notify',
      { ...inputs, 'build-result': 'great', 'started-at': 'yesterday' },
      { env },
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('`build-result` is not valid');
    expect(bad.stdout).toContain('`started-at` is not valid');
    expect(github.requests.length).toBe(before);
  });
});
