// The local receivers refuse what the real services refuse (a fake that accepts anything proves
// nothing): PagerDuty Events v2, Slack incoming webhooks, an SMTP relay with STARTTLS and AUTH.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from './fake-pagerduty';
import { startFakeSlackWebhook, type FakeSlackWebhook } from './fake-slack-webhook';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver';

const KEY = '0123456789abcdef0123456789abcdef';

describe('fake PagerDuty (Events API v2)', () => {
  let pd: FakePagerDuty;
  beforeAll(async () => (pd = await startFakePagerDuty({ routingKey: KEY })));
  afterAll(() => pd.close());
  const send = async (body: unknown, contentType = 'application/json') => {
    const res = await fetch(pd.url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { status: string; dedup_key?: string; errors?: string[] },
    };
  };
  const trigger = {
    routing_key: KEY,
    event_action: 'trigger',
    dedup_key: 'abc',
    payload: { summary: 'db down', source: 'alertmanager', severity: 'critical' },
  };

  it('accepts a valid trigger and resolve, answering 202 with the dedup key', async () => {
    expect(await send(trigger)).toEqual({
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: 'abc' },
    });
    expect((await send({ routing_key: KEY, event_action: 'resolve', dedup_key: 'abc' })).status).toBe(202);
    expect(pd.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', 'abc'],
      ['resolve', 'abc'],
    ]);
  });

  it.each([
    ['a wrong routing key', { ...trigger, routing_key: 'f'.repeat(32) }, 'Invalid routing key'],
    [
      'a short routing key',
      { ...trigger, routing_key: 'short' },
      "'routing_key' must be a 32 character string",
    ],
    ['an unknown action', { ...trigger, event_action: 'fire' }, "'event_action' must be one of"],
    ['a resolve without dedup_key', { routing_key: KEY, event_action: 'resolve' }, "'dedup_key' is required"],
    ['a trigger without payload', { routing_key: KEY, event_action: 'trigger' }, "'payload' is required"],
    [
      'a bad severity',
      { ...trigger, payload: { ...trigger.payload, severity: 'page' } },
      "'payload.severity'",
    ],
    [
      'no source',
      { ...trigger, payload: { summary: 'x', severity: 'info' } },
      "'payload.source' is required",
    ],
    [
      'a long summary',
      { ...trigger, payload: { ...trigger.payload, summary: 'x'.repeat(1025) } },
      "'payload.summary'",
    ],
  ])('refuses %s with 400 invalid event', async (_name, body, error) => {
    const before = pd.events.length;
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body.status).toBe('invalid event');
    expect(res.body.errors!.join('; ')).toContain(error);
    expect(pd.events.length).toBe(before);
  });

  it('refuses a body that is not JSON', async () => {
    expect((await send(trigger, 'text/plain')).status).toBe(400);
  });
});

describe('fake Slack incoming webhook', () => {
  let slack: FakeSlackWebhook;
  beforeAll(async () => (slack = await startFakeSlackWebhook()));
  afterAll(() => slack.close());
  const post = async (url: string, body: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return [res.status, await res.text()];
  };

  it('takes text or attachments on its secret URL and answers ok', async () => {
    expect(await post(slack.url, JSON.stringify({ text: 'hello' }))).toEqual([200, 'ok']);
    expect(await post(slack.url, JSON.stringify({ attachments: [{ title: 't', text: 'x' }] }))).toEqual([
      200,
      'ok',
    ]);
    expect(slack.messages).toHaveLength(2);
  });

  it('answers like Slack to an unknown URL, bad JSON and an empty message', async () => {
    expect(await post(slack.url.replace(/\/[^/]+$/, '/wrong'), '{"text":"x"}')).toEqual([404, 'no_service']);
    expect(await post(slack.url, '{not json')).toEqual([400, 'invalid_payload']);
    expect(await post(slack.url, JSON.stringify({ attachments: [{}] }))).toEqual([400, 'no_text']);
    expect(slack.messages).toHaveLength(2);
  });
});

/** A minimal SMTP client: one command, the reply's code (multi-line replies read to the end). */
class SmtpClient {
  private buffer = '';
  private waiting?: (line: string) => void;
  constructor(private socket: Socket | TLSSocket) {
    this.listen();
  }
  private listen() {
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => {
      this.buffer += d;
      const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(this.buffer);
      if (m && this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        this.buffer = '';
        w(m[1]!);
      }
    });
  }
  reply(): Promise<string> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
  async send(line: string): Promise<string> {
    const r = this.reply();
    this.socket.write(`${line}\r\n`);
    return r;
  }
  upgrade(ca: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const tls = tlsConnect({ socket: this.socket as Socket, ca, servername: 'localhost' }, () => resolve());
      tls.on('error', reject);
      this.socket = tls;
      this.listen();
    });
  }
}

describe('SMTP receiver (smtp-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-'));
  let smtp: SmtpReceiver;
  let cert: Buffer;
  const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

  beforeAll(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    cert = readFileSync(join(dir, 'cert.pem'));
    smtp = await startSmtpReceiver({
      key: readFileSync(join(dir, 'key.pem')),
      cert,
      username: 'am',
      password: 'secret',
      recipients: ['oncall@example.test'],
    });
  });
  afterAll(async () => {
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = async () => {
    const [host, port] = smtp.address.split(':');
    const socket = connect(Number(port), host!);
    const client = new SmtpClient(socket);
    expect(await client.reply()).toBe('220');
    expect(await client.send('EHLO test')).toBe('250');
    return { client, socket };
  };

  it('refuses AUTH before STARTTLS, a wrong password, and an unknown recipient; takes a mail after all that', async () => {
    const { client, socket } = await session();
    expect(await client.send(`AUTH PLAIN ${plain('am', 'secret')}`)).toMatch(/^5/);
    expect(await client.send('STARTTLS')).toBe('220');
    await client.upgrade(cert);
    expect(await client.send('EHLO test')).toBe('250');
    expect(await client.send(`AUTH PLAIN ${plain('am', 'wrong')}`)).toBe('535');
    expect(await client.send(`AUTH PLAIN ${plain('am', 'secret')}`)).toBe('235');
    expect(await client.send('MAIL FROM:<alertmanager@example.test>')).toBe('250');
    expect(await client.send('RCPT TO:<someone@else.test>')).toMatch(/^5/);
    expect(await client.send('RCPT TO:<oncall@example.test>')).toBe('250');
    expect(await client.send('DATA')).toBe('354');
    expect(await client.send('Subject: [FIRING:1] Test\r\n\r\nbody\r\n.')).toBe('250');
    socket.destroy();
    expect(smtp.mails).toEqual([
      {
        from: 'alertmanager@example.test',
        to: ['oncall@example.test'],
        subject: '[FIRING:1] Test',
        text: 'body\n',
        secure: true,
      },
    ]);
    expect(smtp.rejected).toEqual(['bad credentials', 'recipient someone@else.test']);
  });

  it('refuses to send without authentication', async () => {
    const { client, socket } = await session();
    expect(await client.send('MAIL FROM:<x@example.test>')).toBe('530');
    socket.destroy();
  });
});
