import { resolve } from 'node:path';
import type { Core, Log } from '../../lib/action/core';
import { readBundle } from '../../lib/monitoring/bundle';
import { deployMonitoring, type DeployResult } from '../../lib/monitoring/deploy';
import { releaseDir, releaseId } from '../../lib/monitoring/deploy-plan';
import { SshSession } from '../../lib/ssh/session';
import { formatHost } from '../../lib/ssh/known-hosts';
import { readInputs } from './inputs';
import { writeDeploySummary, type HostRow } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const started = Date.now();
  const source = resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), inputs.source);
  const id = releaseId(new Date(), process.env.GITHUB_SHA ?? '');
  // each release's configuration names its own templates: amtool checks the ones it will use
  const bundle = readBundle(source, {
    ...inputs.alertmanager,
    TEMPLATES_DIR: `${releaseDir(inputs.root, id)}/alertmanager`,
  });
  const log: Log = { info: (m) => core.info(m), warning: (m) => core.warning(m) };
  const rows: HostRow[] = [];
  try {
    for (const target of inputs.hosts) {
      const session = await SshSession.connect({
        target,
        username: inputs.user,
        privateKey: inputs.privateKey,
        knownHosts: inputs.knownHosts,
      });
      let result: DeployResult;
      try {
        result = await deployMonitoring(session, { ...inputs, id, bundle }, log);
      } catch (error) {
        rows.push({ host: formatHost(target), outcome: `❌ ${(error as Error).message}` });
        throw error;
      } finally {
        session.close();
      }
      rows.push({ host: formatHost(target), outcome: '✅ live and loaded', ...result });
      core.setOutput('previous', result.previous ?? '');
    }
    core.setOutput('release', id);
  } finally {
    await writeDeploySummary(core, { id, bundle, rows, started });
  }
}
