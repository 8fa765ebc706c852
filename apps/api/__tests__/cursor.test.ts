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

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('requires an ISO-8601 date-time with a zone (PostgreSQL would read "1" as a date)', () => {
    for (const createdAt of [
      '1',
      '2026',
      '2026-01-02',
      '2026-01-02 03:04:05+00',
      '2026-01-02T03:04:05',
      '2026-13-02T03:04:05Z',
      '2026-02-30T03:04:05Z',
      '2026-01-02T25:04:05Z',
      'Fri, 02 Jan 2026 03:04:05 GMT',
    ])
      expect(decodeCursor(encode([createdAt, cursor.id])), createdAt).toBeUndefined();
    expect(decodeCursor(encode(['2026-01-02T03:04:05Z', cursor.id]))).toBeDefined();
  });

  it('requires a real UUID', () => {
    for (const id of [
      '-'.repeat(36),
      '0b7a7c1e4f7e4c2a9a576a9a3f1f2d11aaaa',
      'zb7a7c1e-4f7e-4c2a-9a57-6a9a3f1f2d11',
    ])
      expect(decodeCursor(encode([cursor.createdAt, id])), id).toBeUndefined();
  });

  it('is not confused by other JSON', () => {
    for (const text of [encode({ a: 1 }), encode([cursor.createdAt, cursor.id, 'x']), encode(null)])
      expect(decodeCursor(text)).toBeUndefined();
  });
});
