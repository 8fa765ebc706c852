// Ships a monitoring bundle to one host over SSH: upload a new release, validate it there with the
// host's own promtool and amtool (the versions that will load it), switch `current` atomically,
// reload Prometheus and Alertmanager, check the reload took (every shipped rule group loaded from
// the new files; Alertmanager's config hash is the shipped file's), and on any failure after the
// switch point `current` back at the previous release and reload again.
import type { Log } from '../action/core';
import type { SshSession } from '../ssh/session';
import { alertmanagerConfigHash } from './alertmanager-config';
import { RELEASE_PATHS, type MonitoringBundle } from './bundle';
import { currentLink, plan, releaseDir, releasesToPrune, type MonitoringHost } from './deploy-plan';

export interface MonitoringDeploy extends MonitoringHost {
  id: string;
  bundle: MonitoringBundle;
  keepReleases: number;
}

export interface DeployResult {
  release: string;
  previous?: string;
  pruned: string[];
}

/** A deploy that failed: what failed, and whether the previous release is live again. */
export class MonitoringDeployError extends Error {
  constructor(
    message: string,
    readonly reverted: boolean,
  ) {
    super(message);
    this.name = 'MonitoringDeployError';
  }
}

export async function deployMonitoring(
  ssh: SshSession,
  d: MonitoringDeploy,
  log: Log,
): Promise<DeployResult> {
  const dir = releaseDir(d.root, d.id);
  const current = await ssh.exec(plan.readCurrent(d.root), { allowFailure: true });
  const previous = current.code === 0 ? current.stdout.trim().replace(/^releases\//, '') : undefined;
  log.info(
    `${ssh.label}: live release ${previous ?? '(none)'}; uploading ${d.id} (${d.bundle.files.size} files)`,
  );

  const dirs = [...new Set([...d.bundle.files.keys()].map((p) => p.slice(0, p.lastIndexOf('/'))))];
  await ssh.exec(plan.makeDirs(d.root, d.id, dirs));
  for (const [path, data] of d.bundle.files) await ssh.writeFile(`${dir}/${path}`, data);

  // Validate before anything live changes; a refused release is removed again.
  const ruleFiles = [...new Set(d.bundle.ruleGroups.map((g) => `${dir}/${RELEASE_PATHS.rules}/${g.file}`))];
  try {
    await ssh.exec(plan.checkRules(ruleFiles));
    await ssh.exec(plan.checkAlertmanager(`${dir}/${RELEASE_PATHS.alertmanagerConfig}`));
  } catch (error) {
    await ssh.exec(plan.remove(d.root, [d.id]), { allowFailure: true });
    throw new MonitoringDeployError(
      `${ssh.label}: release ${d.id} refused by the host's validation, nothing changed: ${describe(error)}`,
      false,
    );
  }
  log.info(`${ssh.label}: promtool check rules and amtool check-config passed`);

  await switchTo(ssh, d.root, d.id);
  try {
    await ssh.exec(plan.checkPrometheusConfig(d.prometheusConfig));
    await reloadPrometheus(ssh, d);
    await reloadAlertmanager(ssh, d.alertmanagerUrl, alertmanagerConfigHash(d.bundle.alertmanagerConfig));
  } catch (error) {
    const reason = describe(error);
    log.warning(`${ssh.label}: ${reason}; reverting to ${previous ?? '(nothing: first release)'}`);
    if (!previous)
      throw new MonitoringDeployError(`${ssh.label}: ${reason}; no previous release to revert to`, false);
    await revert(ssh, d, previous, reason);
    await ssh.exec(plan.remove(d.root, [d.id]), { allowFailure: true });
    throw new MonitoringDeployError(
      `${ssh.label}: ${reason}; reverted to ${previous}, which is live and loaded`,
      true,
    );
  }
  log.info(
    `${ssh.label}: ${d.id} is live: ${d.bundle.ruleGroups.length} rule groups loaded, Alertmanager on the new configuration`,
  );

  const listed = await ssh.exec(plan.listReleases(d.root));
  const pruned = releasesToPrune(listed.stdout.split('\n').filter(Boolean), d.keepReleases, [d.id, previous]);
  if (pruned.length) await ssh.exec(plan.remove(d.root, pruned));
  return { release: d.id, previous, pruned };
}

async function switchTo(ssh: SshSession, root: string, id: string): Promise<void> {
  await ssh.exec(plan.link(root, id));
  await ssh.exec(plan.swap(root));
}

async function revert(ssh: SshSession, d: MonitoringDeploy, previous: string, reason: string): Promise<void> {
  try {
    await switchTo(ssh, d.root, previous);
    await reload(ssh, 'Prometheus', d.prometheusUrl);
    await reload(ssh, 'Alertmanager', d.alertmanagerUrl);
    await expectMetric(ssh, d.prometheusUrl, 'prometheus_config_last_reload_successful', 1);
    await expectMetric(ssh, d.alertmanagerUrl, 'alertmanager_config_last_reload_successful', 1);
  } catch (error) {
    throw new MonitoringDeployError(
      `${ssh.label}: ${reason}; the revert to ${previous} failed too (${describe(error)}): check ${currentLink(d.root)} by hand`,
      false,
    );
  }
}

/** POST /-/reload; a refused configuration answers non-2xx with the reason. */
async function reload(ssh: SshSession, what: string, url: string): Promise<void> {
  const result = await ssh.exec(plan.reload(url), { allowFailure: true });
  const status = result.stdout.slice(-3);
  if (result.code !== 0 || !status.startsWith('2'))
    throw new Error(
      `${what} refused the reload (${result.code !== 0 ? result.stderr.trim() : `HTTP ${status}: ${result.stdout.slice(0, -3).trim()}`})`,
    );
}

async function reloadPrometheus(ssh: SshSession, d: MonitoringDeploy): Promise<void> {
  await reload(ssh, 'Prometheus', d.prometheusUrl);
  await expectMetric(ssh, d.prometheusUrl, 'prometheus_config_last_reload_successful', 1);
  const loaded = JSON.parse((await ssh.exec(plan.get(`${d.prometheusUrl}/api/v1/rules`))).stdout) as {
    data: { groups: { name: string; file: string; rules: unknown[] }[] };
  };
  const missing = d.bundle.ruleGroups.filter(
    (want) =>
      !loaded.data.groups.some(
        (g) =>
          g.name === want.name &&
          g.file === `${currentLink(d.root)}/${RELEASE_PATHS.rules}/${want.file}` &&
          g.rules.length === want.rules,
      ),
  );
  if (missing.length)
    throw new Error(
      `Prometheus did not load ${missing.map((g) => `${g.file}:${g.name}`).join(', ')} from ${currentLink(d.root)}/${RELEASE_PATHS.rules} (is its rule_files pointing there?)`,
    );
}

async function reloadAlertmanager(ssh: SshSession, url: string, hash: number): Promise<void> {
  await reload(ssh, 'Alertmanager', url);
  await expectMetric(ssh, url, 'alertmanager_config_last_reload_successful', 1);
  const loaded = await metric(ssh, url, 'alertmanager_config_hash');
  if (loaded !== hash)
    throw new Error(
      `Alertmanager's config hash is ${loaded}, not the shipped file's ${hash} (is its --config.file the release's ${RELEASE_PATHS.alertmanagerConfig}?)`,
    );
}

async function metric(ssh: SshSession, url: string, name: string): Promise<number | undefined> {
  const text = (await ssh.exec(plan.get(`${url}/metrics`))).stdout;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function expectMetric(ssh: SshSession, url: string, name: string, want: number): Promise<void> {
  const value = await metric(ssh, url, name);
  if (value !== want) throw new Error(`${name} is ${value ?? 'absent'} at ${url}, expected ${want}`);
}

const describe = (error: unknown) => (error as Error).message;
