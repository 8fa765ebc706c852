import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

/** An event PagerDuty accepted (Events API v2). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: unknown;
  };
  client?: string;
  client_url?: string;
}

export interface FakePagerDuty {
  /** The Events API v2 endpoint (Alertmanager's pagerduty_url). */
  url: string;
  events: PagerDutyEvent[];
  /** Requests refused, with PagerDuty's error list (a test asserts this stays empty). */
  rejected: { status: number; errors: string[] }[];
  close(): Promise<void>;
}

const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`), strict as the real one: JSON only, a known
 * 32-character routing key, event_action trigger|acknowledge|resolve, a dedup_key (≤ 255) for
 * acknowledge/resolve, and for a trigger a payload with summary (≤ 1024), source and a severity of
 * critical|error|warning|info. 202 with the dedup_key, or 400 "invalid event" with the errors.
 */
export async function startFakePagerDuty(options: { routingKey: string }): Promise<FakePagerDuty> {
  const events: PagerDutyEvent[] = [];
  const rejected: FakePagerDuty['rejected'] = [];
  let generated = 0;
  const server = createServer(async (req, res) => {
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const invalid = (errors: string[]) => {
      rejected.push({ status: 400, errors });
      answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    };
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(404, { status: 'not found' });
    if (!String(req.headers['content-type']).startsWith('application/json'))
      return invalid(['Content-Type must be application/json']);
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(await readBody(req));
    } catch {
      return invalid(['Malformed JSON']);
    }
    const errors = validate(event, options.routingKey);
    if (errors.length) return invalid(errors);
    const dedupKey = (event.dedup_key as string | undefined) ?? `generated-${++generated}`;
    events.push({ ...(event as unknown as PagerDutyEvent), dedup_key: dedupKey });
    answer(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    events,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function validate(event: Record<string, unknown>, routingKey: string): string[] {
  const errors: string[] = [];
  const str = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32)
    errors.push("'routing_key' must be a 32 character string");
  else if (event.routing_key !== routingKey) errors.push('Invalid routing key');
  if (!ACTIONS.includes(event.event_action as string))
    errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  if (event.dedup_key !== undefined && !str(event.dedup_key, 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if (event.event_action !== 'trigger' && event.dedup_key === undefined)
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (event.event_action === 'trigger') {
    const p = event.payload as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object') errors.push("'payload' is required for trigger");
    else {
      if (!str(p.summary, 1024)) errors.push("'payload.summary' must be 1-1024 characters");
      if (!str(p.source, 255)) errors.push("'payload.source' is required");
      if (!SEVERITIES.includes(p.severity as string))
        errors.push("'payload.severity' must be one of critical, error, warning, info");
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(String(p.timestamp))))
        errors.push("'payload.timestamp' must be ISO 8601");
      if (
        p.custom_details !== undefined &&
        (typeof p.custom_details !== 'object' || p.custom_details === null)
      )
        errors.push("'payload.custom_details' must be an object");
    }
  }
  return errors;
}
