import { describe, expect, it } from 'vitest';
import { fetchDirectory, fetchRenewalWindow, parseRenewalInfo, renewalInfoUrl, type Fetch } from '../ari';

/** A fetch that answers from a table, recording the URLs asked. */
function table(routes: Record<string, { status?: number; body: unknown }>): Fetch & { asked: string[] } {
  const asked: string[] = [];
  const fn = (async (url: string | URL | Request) => {
    const key = String(url);
    asked.push(key);
    const route = routes[key];
    if (!route) throw new TypeError('fetch failed');
    return new Response(JSON.stringify(route.body), { status: route.status ?? 200 });
  }) as Fetch & { asked: string[] };
  fn.asked = asked;
  return fn;
}

describe('parseRenewalInfo', () => {
  it('reads the suggested window and the explanation URL', () => {
    expect(
      parseRenewalInfo({
        suggestedWindow: { start: '2026-06-01T00:00:00Z', end: '2026-06-03T00:00:00Z' },
        explanationURL: 'https://ca.example/incident',
      }),
    ).toEqual({
      start: new Date('2026-06-01T00:00:00Z'),
      end: new Date('2026-06-03T00:00:00Z'),
      explanationUrl: 'https://ca.example/incident',
    });
  });

  it.each([
    [{}],
    [{ suggestedWindow: { start: 'soon', end: '2026-06-03T00:00:00Z' } }],
    [{ suggestedWindow: { start: '2026-06-03T00:00:00Z', end: '2026-06-01T00:00:00Z' } }],
    [null],
  ])('refuses %j', (body) => {
    expect(() => parseRenewalInfo(body)).toThrow('no valid suggestedWindow');
  });
});

describe('renewalInfoUrl', () => {
  it('is the directory renewalInfo entry, when there is one', () => {
    expect(renewalInfoUrl({ newOrder: 'x', renewalInfo: 'https://ca.example/ari' })).toBe(
      'https://ca.example/ari',
    );
    expect(renewalInfoUrl({ newOrder: 'x' })).toBeUndefined();
  });
});

describe('fetchRenewalWindow', () => {
  it('GETs <renewalInfo>/<certID>', async () => {
    const fetchFn = table({
      'https://ca.example/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE': {
        body: { suggestedWindow: { start: '2026-06-01T00:00:00Z', end: '2026-06-02T00:00:00Z' } },
      },
    });
    const window = await fetchRenewalWindow(
      'https://ca.example/ari/',
      'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      fetchFn,
    );
    expect(window.start.toISOString()).toBe('2026-06-01T00:00:00.000Z');
  });

  it('fails on an error status', async () => {
    await expect(
      fetchRenewalWindow(
        'https://ca.example/ari',
        'id',
        table({ 'https://ca.example/ari/id': { status: 404, body: {} } }),
      ),
    ).rejects.toThrow('HTTP 404');
  });
});

describe('fetchDirectory', () => {
  it('returns the directory and refuses something that is not one', async () => {
    const fetchFn = table({
      'https://ca.example/dir': { body: { newOrder: 'https://ca.example/new-order' } },
      'https://ca.example/x': { body: { hello: 1 } },
    });
    expect(await fetchDirectory('https://ca.example/dir', fetchFn)).toEqual({
      newOrder: 'https://ca.example/new-order',
    });
    await expect(fetchDirectory('https://ca.example/x', fetchFn)).rejects.toThrow(
      'is unreachable: the response is not an ACME directory',
    );
  }, 10_000);
});
