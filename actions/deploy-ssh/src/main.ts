import type { Core } from '../../lib/action/core';
import { closeHosts, runFleet } from '../../lib/release/fleet';
import { throwIfFleetFailed } from '../../lib/release/fleet-failure';
import { readInputs } from './inputs';
import { writeDeploySummary } from './summary';

export async function main(core: Core): Promise<void> {
  const started = Date.now();
  const inputs = readInputs(core);
  const { settings, target, preSwitch } = inputs;
  core.info(
    `Deploying ${settings.app} ${target.version} (${target.image}) to ${inputs.hosts.length} host(s), ${inputs.maxParallel} at a time`,
  );

  const outcome = await runFleet(core, inputs, {
    prepare: async (host) => {
      await host.pull(target.image, inputs.registry);
      await host.writeEnv(target.version, inputs.envFile);
    },
    ...(preSwitch ? { beforeChange: (hosts) => hosts[0]!.runPreSwitch(target, preSwitch) } : {}),
    change: (host) => host.switchTo(target),
  });
  await closeHosts(core, outcome.hosts, (host) => ({
    action: 'deploy',
    version: target.version,
    previous: host.record.before?.version ?? null,
    image: target.image,
  }));

  core.setOutput('version', target.version);
  core.setOutput(
    'previous-version',
    outcome.hosts.find((h) => h.record.before)?.record.before?.version ?? '',
  );
  core.setOutput('hosts', outcome.hosts.map((h) => h.label).join(','));
  core.setOutput('rolled-back', String(outcome.rolledBack));
  core.setOutput('duration-seconds', ((Date.now() - started) / 1000).toFixed(1));
  await writeDeploySummary(core, inputs, outcome, Date.now() - started);
  throwIfFleetFailed(outcome, `deploy ${settings.app} ${target.version}`);
}
