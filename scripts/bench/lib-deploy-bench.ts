// scripts/bench/deploy: deploy v1, then v2 under load, then roll back to v1 under load, through the
// stack's sshd, podman and nginx; prints requests sent/failed and the timings.
// It drives the committed bundles with the test harness (test/: run-action, the deploy fixture).
import { deployFixture } from '../../test/deploy-fixture';
import { buildTestImage, startLoad, type LoadStats } from '../../test/deploy-load';
import { runAction, type ActionRun } from '../../test/run-action';
import { stackEnv } from '../../test/stack-env';

interface Measured {
  run: ActionRun;
  ms: number;
  /** From the action's start to the first answer of the new version. */
  switchMs: number;
  sentDuring: number;
  stats: LoadStats;
}

const stack = stackEnv();
const fx = await deployFixture(stack, 'deploy-bench', '3301,3302');
try {
  const repo = `deploybench/${process.pid}`;
  const v1 = buildTestImage(stack, repo, 'v1');
  const v2 = buildTestImage(stack, repo, 'v2');
  const deploy = (ref: string, version: string) =>
    runAction('deploy-ssh', { ...fx.inputs, image: ref, version });
  const first = await deploy(v1.ref, 'v1');
  if (first.code !== 0) throw new Error(`deploy v1 failed:\n${first.stdout}`);

  const underLoad = async (
    what: string,
    expect: string,
    step: () => Promise<ActionRun>,
  ): Promise<Measured> => {
    const load = startLoad(`${fx.siteUrl}/version`, { concurrency: 4, maxMs: 150_000 });
    await load.until(500, 30_000);
    const sentBefore = load.stats.sent;
    const started = Date.now();
    const run = await step();
    const ms = Date.now() - started;
    const sentDuring = load.stats.sent - sentBefore;
    await load.until(10_000, 120_000);
    const stats = await load.stop();
    if (run.code !== 0) throw new Error(`${what} failed:\n${run.stdout}`);
    return { run, ms, switchMs: (stats.firstSeen[expect] ?? NaN) - started, sentDuring, stats };
  };
  const up = await underLoad('deploy v2', 'v2', () => deploy(v2.ref, 'v2'));
  const back = await underLoad('rollback', 'v1', () => runAction('rollback', { ...fx.inputs }));
  const pullMs = parseDuration(/pulled \S+ in (\S+)/.exec(up.run.stdout)?.[1]);

  const line = (label: string, m: Measured) =>
    `${label}: ${m.sentDuring} requests during the action, ${m.stats.sent} in the whole load window, ` +
    `${m.stats.failed} failed (non-2xx or error), ${m.stats.retriedIdle} idle keep-alive retries; answers ${JSON.stringify(m.stats.versions)}`;
  console.log(line('deploy v1→v2  ', up));
  console.log(line('rollback v2→v1', back));
  console.log(
    `deploy seconds (pull excluded): ${((up.ms - pullMs) / 1000).toFixed(2)}  [action ${(up.ms / 1000).toFixed(2)}, pull ${(pullMs / 1000).toFixed(2)}, drain ${fx.inputs.drain}; new version answering after ${(up.switchMs / 1000).toFixed(2)}]`,
  );
  console.log(
    `rollback seconds: ${(back.ms / 1000).toFixed(2)}  [v1 answering after ${(back.switchMs / 1000).toFixed(2)}]`,
  );
  if (up.stats.failed + back.stats.failed > 0) process.exitCode = 1;
} finally {
  fx.cleanup();
}

function parseDuration(text: string | undefined): number {
  const match = /^([\d.]+)(ms|s)$/.exec(text ?? '');
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}
