import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { interpolateString, type Contexts } from '../expressions';
import type { Job, Workflow } from '../workflow';
import type { EngineOptions } from './engine';

/**
 * Concurrency groups across `pipeline run` processes on this machine: a lock directory per
 * group (atomic mkdir, owner pid inside). A second run waits for the first; it never cancels a
 * job in progress, whatever `cancel-in-progress` says (the safe reading for deploys).
 */
export async function withConcurrency<T>(
  job: Job,
  workflow: Workflow,
  contexts: Contexts,
  options: EngineOptions,
  body: () => Promise<T>,
): Promise<T> {
  const spec = job.concurrency ?? workflow.concurrency;
  if (!spec) return body();
  const raw = typeof spec === 'string' ? spec : (spec as { group: string }).group;
  const group = interpolateString(raw, { ...contexts, env: undefined });
  const dir = join(
    options.lockDir ?? join(tmpdir(), 'pipeline-concurrency'),
    group.replace(/[^A-Za-z0-9._-]/g, '_'),
  );
  mkdirSync(join(dir, '..'), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), String(process.pid));
      break;
    } catch {
      const owner = Number(safeRead(join(dir, 'owner')));
      if (owner && !alive(owner)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!announced)
        options.reporter.line(`  concurrency group ${group}: waiting for run pid ${owner || '?'}`);
      announced = true;
      await sleep(1000);
    }
  }
  options.reporter.line(`  concurrency group ${group}: held`);
  try {
    return await body();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
