// The push client against the stack's real Pushgateway: PUT replaces the group, POST keeps the
// metrics it does not name (the last success survives a failed run), errors are clear.
import { afterAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../../../test/stack-env';
import { push } from '../pushgateway';
import { BACKUP_SERIES, pushOutcome } from '../run-metrics';

const url = stackEnv().STACK_PUSHGATEWAY_URL!;
const env = `pg-int-${Date.now().toString(36)}`;
const group = `${url}/metrics/job/contextai_backup/kind/nightly/env/${env}`;

/** The samples of our group as the Pushgateway exposes them (`name value`, labels dropped). */
async function samples(): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(backup_\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m && m[2]!.includes(`env="${env}"`) && m[2]!.includes('job="contextai_backup"'))
      out[m[1]!] = Number(m[3]);
  }
  return out;
}

afterAll(() => fetch(group, { method: 'DELETE' }));

describe('Pushgateway pushes (real Pushgateway)', () => {
  const target = { url, labels: { kind: 'nightly', env } };

  it('a success replaces the group; a failure keeps the last success timestamp and size', async () => {
    await pushOutcome(target, BACKUP_SERIES, {
      success: true,
      at: new Date(1_000_000_000_000),
      sizeBytes: 7,
    });
    await pushOutcome(target, BACKUP_SERIES, {
      success: true,
      at: new Date(1_800_000_000_000),
      sizeBytes: 9,
    });
    expect(await samples()).toEqual({
      backup_last_success_timestamp_seconds: 1_800_000_000,
      backup_last_run_timestamp_seconds: 1_800_000_000,
      backup_last_run_success: 1,
      backup_size_bytes: 9,
    });
    await pushOutcome(target, BACKUP_SERIES, { success: false, at: new Date(1_800_003_600_000) });
    expect(await samples()).toEqual({
      backup_last_success_timestamp_seconds: 1_800_000_000,
      backup_last_run_timestamp_seconds: 1_800_003_600,
      backup_last_run_success: 0,
      backup_size_bytes: 9,
    });
  });

  it('a push the Pushgateway refuses fails at once with its reason; an unreachable one after retries', async () => {
    // a 4xx is final: no retry, the status in the message
    const refused = push({ url: `${url}/not-here`, job: 'contextai_backup', labels: { env } }, [], {
      mode: 'replace',
    });
    await expect(refused).rejects.toThrow(/failed: HTTP 404/);
    await expect(refused).rejects.not.toThrow(/attempts/);
    await expect(
      push({ url: 'http://127.0.0.1:9', job: 'contextai_backup', labels: { env } }, [], {
        mode: 'update',
        attempts: 2,
        timeoutMs: 1000,
      }),
    ).rejects.toThrow(
      /Pushgateway POST http:\/\/127.0.0.1:9\/metrics\/job\/contextai_backup\/env\/pg-int-\w+ failed: .*after 2 attempts/,
    );
  });
});
