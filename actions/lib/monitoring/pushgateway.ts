// A small Pushgateway client (https://github.com/prometheus/pushgateway#api): the backup and drill
// runs push their outcome under a job and grouping labels. PUT replaces every metric of the group;
// POST replaces only the metrics named in the body, so a failed run can update its last-run
// metrics while the last success timestamp pushed earlier survives.
import { sleep } from '../system/retry';

export interface Gauge {
  name: string;
  help: string;
  value: number;
}

export interface PushGroup {
  /** The Pushgateway's base URL, e.g. `http://pushgateway:9091`. */
  url: string;
  job: string;
  /** Grouping labels, in URL order (e.g. kind, env). */
  labels: Record<string, string>;
}

/** Names and label values we push: plain words, so the URL path needs no base64 encoding. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_VALUE = /^[A-Za-z0-9._-]{1,64}$/;

/** `<url>/metrics/job/<job>/<label>/<value>…` */
export function groupUrl(group: PushGroup): string {
  const parts = ['job', group.job, ...Object.entries(group.labels).flat()];
  for (const [i, part] of parts.entries())
    if (!(i % 2 ? LABEL_VALUE : METRIC_NAME).test(part))
      throw new Error(`Pushgateway grouping: ${JSON.stringify(part)} is not a plain name or value`);
  return `${group.url.replace(/\/+$/, '')}/metrics/${parts.map(encodeURIComponent).join('/')}`;
}

/** The text exposition format: HELP, TYPE and one sample per gauge. */
export function exposition(gauges: Gauge[]): string {
  return gauges
    .map((g) => {
      if (!METRIC_NAME.test(g.name)) throw new Error(`not a metric name: ${JSON.stringify(g.name)}`);
      if (!Number.isFinite(g.value)) throw new Error(`${g.name}: not a finite number`);
      return `# HELP ${g.name} ${g.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${g.name} gauge\n${g.name} ${g.value}\n`;
    })
    .join('');
}

export interface PushOptions {
  /** `replace` (PUT): the group becomes exactly these gauges; `update` (POST): only these change. */
  mode: 'replace' | 'update';
  timeoutMs?: number;
  attempts?: number;
}

/**
 * Pushes gauges to a group. Retries connection errors and 5xx (the Pushgateway restarting); a 4xx
 * (a body it refuses, a metric pushed elsewhere with another type) fails at once with its message.
 */
export async function push(group: PushGroup, gauges: Gauge[], options: PushOptions): Promise<void> {
  const url = groupUrl(group);
  const body = exposition(gauges);
  const method = options.mode === 'replace' ? 'PUT' : 'POST';
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    try {
      const res = await fetch(url, {
        method,
        body,
        headers: { 'content-type': 'text/plain; version=0.0.4' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (res.ok) return;
      const text = (await res.text()).trim().slice(0, 300);
      problem = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
      if (res.status < 500) throw new PushError(method, url, problem);
    } catch (error) {
      if (error instanceof PushError) throw error;
      problem = (error as Error).message;
    }
    if (attempt >= attempts) throw new PushError(method, url, `${problem} (after ${attempts} attempts)`);
    await sleep(500 * attempt);
  }
}

export class PushError extends Error {
  constructor(method: string, url: string, problem: string) {
    super(`Pushgateway ${method} ${url.replace(/\/\/[^@/]*@/, '//')} failed: ${problem}`);
    this.name = 'PushError';
  }
}
