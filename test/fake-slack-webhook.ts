import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

/** A message posted to the incoming webhook. */
export interface SlackWebhookMessage {
  text?: string;
  channel?: string;
  attachments?: { title?: string; text?: string; color?: string; fallback?: string }[];
  blocks?: unknown[];
}

export interface FakeSlackWebhook {
  /** The secret webhook URL (https://hooks.slack.com/services/T…/B…/… in production). */
  url: string;
  messages: SlackWebhookMessage[];
  /** Refused requests and Slack's error text. */
  rejected: { status: number; error: string }[];
  close(): Promise<void>;
}

/**
 * Slack's incoming webhooks: one secret path (/services/T…/B…/<token>), JSON body with text,
 * attachments or blocks. Answers 200 `ok`, or Slack's plain-text errors: 404 no_service (unknown
 * URL), 400 invalid_payload (not JSON), 400 no_text (nothing to show).
 */
export async function startFakeSlackWebhook(): Promise<FakeSlackWebhook> {
  const path = `/services/T${hex(4)}/B${hex(4)}/${hex(12)}`;
  const messages: SlackWebhookMessage[] = [];
  const rejected: FakeSlackWebhook['rejected'] = [];
  const server = createServer(async (req, res) => {
    const refuse = (status: number, error: string) => {
      rejected.push({ status, error });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(error);
    };
    if (req.method !== 'POST') return refuse(405, 'invalid_method');
    if (req.url !== path) return refuse(404, 'no_service');
    let body: SlackWebhookMessage;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return refuse(400, 'invalid_payload');
    }
    if (typeof body !== 'object' || body === null) return refuse(400, 'invalid_payload');
    const hasText =
      (typeof body.text === 'string' && body.text.trim() !== '') ||
      (Array.isArray(body.attachments) && body.attachments.some((a) => a.text || a.fallback || a.title)) ||
      (Array.isArray(body.blocks) && body.blocks.length > 0);
    if (!hasText) return refuse(400, 'no_text');
    messages.push(body);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    messages,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
