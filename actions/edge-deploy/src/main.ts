import type { Core, Log } from '../../lib/action/core';
import { runActor, runUrl } from '../../lib/action/run-link';
import { deployEdge, EdgeDeployError, type HostOutcome } from '../../lib/edge/deploy';
import { listenPort } from '../../lib/edge/params';
import { readProxyTemplates, renderEdgeConfig } from '../../lib/edge/render';
import { expectedHeaders } from '../../lib/edge/verify';
import { closeAll, connectAll } from '../../lib/tls/hosts';
import { readInputs } from './inputs';
import { writeEdgeSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  // Rendered (and so checked) before any host is contacted.
  const config = renderEdgeConfig(inputs.params, readTemplates(inputs.templatesDir));
  const log: Log = { info: (m) => core.info(m), warning: (m) => core.warning(m) };
  const started = Date.now();
  core.setOutput('reverted', 'false');
  let rows: HostOutcome[] = [];
  const hosts = await connectAll(inputs);
  try {
    const result = await deployEdge(
      hosts,
      {
        version: inputs.version,
        config,
        root: inputs.root,
        configPath: inputs.configPath,
        testCommand: inputs.testCommand,
        reloadCommand: inputs.reloadCommand,
        probe: {
          port: listenPort(inputs.params.httpsListen[0]!)!,
          names: inputs.params.domains,
          path: inputs.checkPath,
          ...(inputs.ca ? { ca: inputs.ca } : {}),
          expected: expectedHeaders(inputs.params),
        },
        keepReleases: inputs.keepReleases,
        actor: runActor(),
        ...(runUrl() ? { run: runUrl() } : {}),
      },
      log,
    );
    rows = result.hosts;
    core.setOutput('version', inputs.version);
    core.setOutput('previous-version', result.previous ?? '');
  } catch (error) {
    if (error instanceof EdgeDeployError) {
      rows = error.hosts;
      core.setOutput('previous-version', error.previous ?? '');
      core.setOutput('reverted', String(error.reverted));
    }
    throw error;
  } finally {
    closeAll(hosts);
    await writeEdgeSummary(core, { version: inputs.version, configPath: inputs.configPath, rows, started });
  }
}

function readTemplates(dir: string) {
  try {
    return readProxyTemplates(dir);
  } catch (error) {
    throw new Error(
      `The edge templates cannot be read from ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): is the repository checked out?`,
    );
  }
}
