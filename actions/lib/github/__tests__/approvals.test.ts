import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub, fakeReview } from '../../../../test/fake-github';
import { describeReviews, findApprover } from '../approvals';

const TOKEN = 'ghs_fake-approvals-token';

describe('findApprover', () => {
  const github = new FakeGitHub(TOKEN);
  let apiUrl = '';
  const query = (runId: string, over: Partial<Parameters<typeof findApprover>[0]> = {}) =>
    findApprover({
      token: TOKEN,
      repository: 'contextai/delivery',
      runId,
      environment: 'production',
      apiUrl,
      ...over,
    });

  beforeAll(async () => {
    apiUrl = await github.start();
    github.runReviews.set('11', [fakeReview('alice', 'production')]);
    github.runReviews.set('12', [
      fakeReview('bob', 'staging'),
      fakeReview('carol', 'production', 'rejected'),
    ]);
    github.runReviews.set('13', []);
    github.runReviews.set('14', [fakeReview('alice', 'production'), fakeReview('dave', 'production')]);
  });
  afterAll(() => github.stop());

  it('names who approved the environment in this run', async () => {
    expect(await query('11')).toEqual({ text: '@alice' });
    expect(await query('14')).toEqual({ text: '@alice, @dave' });
    expect(github.requests).toContain('GET /repos/contextai/delivery/actions/runs/11/approvals');
  });

  it('tells a rejection and an empty history apart from an unknown approver', async () => {
    expect(await query('12')).toEqual({ text: 'rejected by @carol' });
    expect(await query('13')).toEqual({ text: 'no approval recorded' });
  });

  it('says "approver unknown", never throws, when the API cannot tell', async () => {
    expect(await query('11', { token: 'ghs_wrong' })).toMatchObject({
      text: 'approver unknown',
      unknownBecause: expect.stringMatching(/401/),
    });
    expect(await query('99')).toMatchObject({
      text: 'approver unknown',
      unknownBecause: expect.stringMatching(/404.*actions: read/),
    });
    expect(await query('11', { apiUrl: 'http://127.0.0.1:9' })).toMatchObject({ text: 'approver unknown' });
    expect(await query('11', { token: '' })).toEqual({
      text: 'approver unknown',
      unknownBecause: 'no GitHub token',
    });
    expect(await query('')).toMatchObject({ text: 'approver unknown' });
  });
});

describe('describeReviews', () => {
  it('keeps each reviewer once, and only the environment asked about', () => {
    const reviews = [
      fakeReview('alice', 'production'),
      fakeReview('alice', 'production'),
      fakeReview('bob', 'staging'),
    ];
    expect(describeReviews(reviews, 'production')).toEqual({ text: '@alice' });
    expect(describeReviews(reviews, 'staging')).toEqual({ text: '@bob' });
  });
});
