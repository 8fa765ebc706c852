// Queries against the stack's real Prometheus (HTTP API v1), for the tests that check what it scrapes.

export interface QueryResult {
  status: number;
  series: number;
  error?: string;
  result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
}

/** An instant query (`range` absent) or a range query over [start, now] at `step` seconds. */
export async function promQuery(
  prom: string,
  query: string,
  range?: { start: number; step: number },
): Promise<QueryResult> {
  const path = range ? 'query_range' : 'query';
  const params: Record<string, string> = { query };
  if (range)
    Object.assign(params, {
      start: String(range.start),
      end: String(Date.now() / 1000),
      step: String(range.step),
    });
  const res = await fetch(`${prom}/api/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const body = (await res.json()) as { data?: { result: QueryResult['result'] }; error?: string };
  const result = body.data?.result ?? [];
  return { status: res.status, series: result.length, error: body.error, result };
}

/** The value of a one-series instant query (0 when empty). */
export async function promScalar(prom: string, query: string): Promise<number> {
  const { result } = await promQuery(prom, query);
  return Number(result[0]?.value?.[1] ?? 0);
}

export interface ScrapeTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
}

/** The active targets of one scrape job. */
export async function activeTargets(prom: string, job: string): Promise<ScrapeTarget[]> {
  const res = await fetch(`${prom}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: ScrapeTarget[] } };
  return body.data.activeTargets.filter((t) => t.labels.job === job);
}

/** Polls `probe` every 500 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
