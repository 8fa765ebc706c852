import { describe, expect, it } from 'vitest';
import { deployMessage, deployOutcome, type DeployJobs } from '../deploy-notice';

const jobs = (over: Partial<DeployJobs> = {}): DeployJobs => ({
  build: 'success',
  scan: 'success',
  deploy: 'success',
  rolledBack: false,
  ...over,
});

describe('deployOutcome', () => {
  it.each([
    [jobs(), ':white_check_mark: deployed'],
    [jobs({ scan: 'skipped' }), ':warning: deployed, images NOT scanned (scanner unavailable)'],
    [
      jobs({ deploy: 'failure', rolledBack: true }),
      ':rewind: smoke test failed, ROLLED BACK to the previous version',
    ],
    [
      jobs({ scan: 'failure', deploy: 'skipped' }),
      ':x: FAILED (build: success, scan: failure, deploy: skipped)',
    ],
    [
      jobs({ build: 'failure', scan: '', deploy: '' }),
      ':x: FAILED (build: failure, scan: not run, deploy: not run)',
    ],
  ])('%j → %s', (given, outcome) => expect(deployOutcome(given)).toBe(outcome));

  it('never calls a deploy without a scan result a plain success', () => {
    expect(deployOutcome(jobs({ scan: 'cancelled' }))).toMatch(/^:x: FAILED/);
  });
});

describe('deployMessage', () => {
  it('says environment, version, outcome, duration, approver and the run link, in blocks and text', () => {
    const message = deployMessage({
      environment: 'production',
      version: '1.4.0',
      jobs: jobs(),
      duration: '6m 12s',
      approver: '@alice',
      runUrl: 'https://github.com/o/r/actions/runs/7',
    });
    expect(message.text).toBe(
      '*production* 1.4.0: :white_check_mark: deployed (approved by: @alice; 6m 12s) — https://github.com/o/r/actions/runs/7',
    );
    const [header, section] = message.blocks as unknown as [
      { text: { text: string } },
      { fields: { text: string }[] },
    ];
    expect(header.text.text).toBe('Deploy to production: 1.4.0');
    expect(section.fields.map((f) => f.text)).toEqual([
      '*Environment*\nproduction',
      '*Version*\n`1.4.0`',
      '*Outcome*\n:white_check_mark: deployed',
      '*Duration*\n6m 12s',
      '*Approved by*\n@alice',
      '*Run*\n<https://github.com/o/r/actions/runs/7|Open the run>',
    ]);
  });
});
