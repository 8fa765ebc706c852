import { describe, expect, it } from 'vitest';
import { REDACTED, Scrubber } from '../src/scrub';

describe('Scrubber', () => {
  const scrubber = new Scrubber([
    ...Scrubber.secretsOfUrl('postgres://app:s3cr%40t-pw@db:5432/app'),
    'short',
  ]);

  it('replaces sensitive keys at any depth, keeping the rest', () => {
    expect(
      scrubber.value({
        headers: { authorization: 'Bearer abc', cookie: 'a=b', 'set-cookie': ['c=d'], accept: 'json' },
        body: { user: { password: 'pw', name: 'ann' }, refreshToken: 't', api_key: 'k' },
        list: [{ secret: 's' }],
      }),
    ).toEqual({
      headers: { authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, accept: 'json' },
      body: { user: { password: REDACTED, name: 'ann' }, refreshToken: REDACTED, api_key: REDACTED },
      list: [{ secret: REDACTED }],
    });
  });

  it('replaces credentials inside text: URLs, bearer tokens, query parameters', () => {
    expect(scrubber.text('connect redis://:hunter22@cache:6379 failed')).toBe(
      `connect redis://:${REDACTED}@cache:6379 failed`,
    );
    expect(scrubber.text('amqp://user:pa55word@mq/vhost')).toBe(`amqp://user:${REDACTED}@mq/vhost`);
    expect(scrubber.text('header Authorization: Bearer eyJhbGciOi.x.y')).toBe(
      `header Authorization: Bearer ${REDACTED}`,
    );
    expect(scrubber.text('/cb?code=abc123&state=ok&access_token=zzz')).toBe(
      `/cb?code=${REDACTED}&state=ok&access_token=${REDACTED}`,
    );
  });

  it('masks the registered secrets literally (decoded too), but not short values', () => {
    expect(scrubber.text('password s3cr@t-pw was refused')).toBe(`password ${REDACTED} was refused`);
    expect(scrubber.text('postgres://app:s3cr%40t-pw@db:5432/app')).not.toContain('s3cr');
    expect(scrubber.text('a short word')).toBe('a short word');
  });

  it('leaves errors and class instances to their serializers', () => {
    const error = new Error('x');
    expect(scrubber.value({ err: error }, 3)).toEqual({ err: error });
  });
});
