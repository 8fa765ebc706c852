// monitoring-deploy.yml through the engine against the stack, whose Prometheus and Alertmanager
// play the monitoring host (they read <root>/current, see scripts/lib/stack/services.sh): a deploy
// goes live and loaded; a deploy whose rules the host's Prometheus cannot load (a rule file that
// promtool accepts but the host's prometheus.yml then refuses) is switched back and reloaded.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STACK_SCRIPT } from '../../test/stack-env';
import { e2eEnvironment, runReal } from './e2e';
import { REPO_ROOT } from './helpers';

const env = e2eEnvironment('monitoring');
const stack = env.stack;
const root = stack.STACK_MONITORING_ROOT!;
const live = () => readlinkSync(join(root, 'current'));
const T = 180_000;

async function loadedGroups(): Promise<{ name: string; file: string }[]> {
  const res = await fetch(`${stack.STACK_PROMETHEUS_URL}/api/v1/rules`);
  return ((await res.json()) as { data: { groups: { name: string; file: string }[] } }).data.groups;
}

describe.runIf(process.getuid?.() === 0)('monitoring-deploy.yml on the stack', () => {
  const before = live();

  afterAll(() => {
    // back to the stack's own release, refreshed from apps/monitoring and reloaded by `up`
    execFileSync('sudo', ['-u', 'deploy', 'ln', '-sfn', 'releases/stack', join(root, 'current')]);
    execFileSync('bash', [STACK_SCRIPT, 'up', 'alertmanager', 'prometheus'], { stdio: 'ignore' });
  });

  it(
    'ships a release: validated, switched, both reloaded, rules loaded from it, config hash checked',
    async () => {
      const run = await runReal('monitoring-deploy.yml', env, {
        event: 'workflow_dispatch',
        ref: 'refs/heads/main',
      });
      expect(run.result.conclusion, run.printed).toBe('success');
      const release = live().replace('releases/', '');
      expect(release).not.toBe(before.replace('releases/', ''));
      expect(run.printed).toContain('promtool check rules and amtool check-config passed');
      expect(run.printed).toContain(`${release} is live`);
      const groups = await loadedGroups();
      expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(['availability', 'backups']));
      expect(groups.filter((g) => g.file === `${root}/current/rules/alerts.yml`).length).toBeGreaterThan(0);
      // the release's Alertmanager configuration is the one loaded (the action checked its hash)
      expect(readFileSync(join(root, 'current/alertmanager/alertmanager.yml'), 'utf8')).toContain(
        `${root}/releases/${release}/alertmanager/*.tmpl`,
      );
      expect(run.printed).not.toContain(
        env.environments.monitoring!.secrets.MONITORING_SSH_PRIVATE_KEY!.split('\n')[1]!,
      );
    },
    T,
  );

  it(
    'refuses a rule file that does not validate, before anything changes',
    async () => {
      const source = join(stack.STACK_DIR!, 'e2e', 'monitoring-broken');
      rmSync(source, { recursive: true, force: true });
      cpSync(join(REPO_ROOT, 'apps/monitoring'), source, { recursive: true });
      writeFileSync(
        join(source, 'rules', 'zz-broken.yml'),
        'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: rate(\n',
      );
      const liveBefore = live();
      const run = await runReal(
        'monitoring-deploy.yml',
        withVars({ MONITORING_SOURCE: relative(REPO_ROOT, source) }),
        {
          event: 'workflow_dispatch',
          ref: 'refs/heads/main',
        },
      );
      expect(run.result.conclusion).toBe('failure');
      expect(run.printed).toMatch(/refused by the host's validation, nothing changed/);
      expect(run.printed).toContain('zz-broken.yml');
      expect(live()).toBe(liveBefore);
      rmSync(source, { recursive: true, force: true });
    },
    T,
  );

  it(
    'switches back to the previous release and reloads when the host refuses the new state',
    async () => {
      // broken on purpose: the host's prometheus.yml, checked with the new rules in place after
      // the switch, does not parse
      const badConfig = join(root, 'e2e-broken-prometheus.yml');
      writeFileSync(badConfig, 'global: [this is not a mapping\n', { mode: 0o644 });
      const liveBefore = live();
      const hashBefore = await metric(stack.STACK_ALERTMANAGER_URL!, 'alertmanager_config_hash');
      try {
        const run = await runReal('monitoring-deploy.yml', withVars({ PROMETHEUS_CONFIG: badConfig }), {
          event: 'workflow_dispatch',
          ref: 'refs/heads/main',
        });
        expect(run.result.conclusion).toBe('failure');
        expect(run.printed).toMatch(/promtool check config/);
        expect(run.printed).toMatch(/reverted to \S+, which is live and loaded/);
      } finally {
        rmSync(badConfig, { force: true });
      }
      expect(live()).toBe(liveBefore);
      expect(await metric(stack.STACK_ALERTMANAGER_URL!, 'alertmanager_config_hash')).toBe(hashBefore);
      expect(await metric(stack.STACK_ALERTMANAGER_URL!, 'alertmanager_config_last_reload_successful')).toBe(
        1,
      );
      expect(await metric(stack.STACK_PROMETHEUS_URL!, 'prometheus_config_last_reload_successful')).toBe(1);
      expect((await loadedGroups()).some((g) => g.file === `${root}/current/rules/alerts.yml`)).toBe(true);
    },
    T,
  );
});

/** The env with some of the monitoring environment's vars overridden. */
function withVars(vars: Record<string, string>) {
  const copy = structuredClone(env);
  Object.assign(copy.environments.monitoring!.vars, vars);
  return copy;
}

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
