import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/knowledge-sources/cursor';

describe('keyset cursor', () => {
  const cursor = {
    createdAt: '2026-01-02T03:04:05.123456+00:00',
    id: '0b7a7c1e-4f7e-4c2a-9a57-6a9a3f1f2d11',
  };

  it('round-trips, keeping microseconds', () => {
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('rejects text it did not issue', () => {
    for (const text of [
      '',
      'abc',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["x","y"]').toString('base64url'),
    ])
      expect(decodeCursor(text)).toBeUndefined();
  });
});
