// The local GitHub API process keeps its deployments across runs (the disaster drill's production
// deploy needs what the rehearsal's staging deploy recorded): each change is in the state file
// before the answer goes out, and a new process starts from it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const TOKEN = 'ghs_statefiletest';
const SHA = 'a'.repeat(40);
const children: ChildProcess[] = [];

async function startServer(stateFile: string): Promise<string> {
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['test/fake-github-server.ts', '0', stateFile], {
    cwd: ROOT,
    env: { ...process.env, PIPELINE_GITHUB_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return line.trim();
}

async function api(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/repos/contextai/delivery${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const saved = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as { id: number; statuses: { state: string }[] }[];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

describe('fake-github-server state file', () => {
  it('saves each deployment and status before answering, and a new process starts from them', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'fake-github-')), 'deployments.json');
    const first = await startServer(stateFile);
    const created = await api(first, 'POST', '/deployments', { ref: SHA, environment: 'staging' });
    expect(created.status).toBe(201);
    expect(saved(stateFile).map((d) => d.id)).toEqual([created.body.id]);
    const status = await api(first, 'POST', `/deployments/${String(created.body.id)}/statuses`, {
      state: 'success',
    });
    expect(status.status).toBe(201);
    expect(saved(stateFile)[0]!.statuses.map((s) => s.state)).toEqual(['success']);
    children.pop()!.kill('SIGTERM');

    const second = await startServer(stateFile);
    const listed = await fetch(`${second}/repos/contextai/delivery/deployments?environment=staging`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await listed.json()) as { id: number }[]).map((d) => d.id)).toEqual([created.body.id]);
    // New records continue the numbering: no id is given twice.
    const next = await api(second, 'POST', '/deployments', { ref: SHA, environment: 'production' });
    expect(next.body.id).toBeGreaterThan(Number(status.body.id));
  }, 30_000);
});
