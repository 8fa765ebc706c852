import type { Core } from '../../lib/action/core';
import { table, writeSummary } from '../../lib/action/summary';
import type { DeploymentPayload } from '../../lib/github/deployments';

export async function writeDeploymentSummary(
  core: Pick<Core, 'summary'>,
  heading: string,
  payload: DeploymentPayload,
): Promise<void> {
  await writeSummary(core, (summary) =>
    summary.addHeading(heading, 3).addTable(
      table(
        ['image', 'reference'],
        Object.entries(payload.images).map(([app, ref]) => [app, ref]),
      ),
    ),
  );
}
