import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { runCheck, type CheckResult } from '../../lib/smoke/probe';
import { safeAddress } from '../../lib/system/network-error';
import { privateTempDir } from '../../lib/system/temp';
import { readInputs } from './inputs';
import { reportJson, writeSmokeSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  // The site by name in the log (a URL is a variable, not a secret; any user:password@ is left out).
  const site = safeAddress(inputs.url);
  core.info(`Smoke test of ${site}: ${inputs.checks.length} check(s)`);
  const results: CheckResult[] = [];
  for (const check of inputs.checks) {
    const result = await runCheck(core, inputs.url, check, inputs);
    results.push(result);
    core.info(
      `${result.passed ? '✔' : '✖'} ${check.name}: ${result.reason ?? `status ${result.status}`} (${formatDuration(result.ms ?? 0)}, ${result.attempts} attempt(s))`,
    );
  }

  const failed = results.filter((r) => !r.passed);
  // Under RUNNER_TEMP: kept for later steps of the job (e.g. an artifact upload), removed after it.
  const reportPath = join(privateTempDir('smoke-test'), 'report.json');
  writeFileSync(reportPath, reportJson(inputs.url, results));
  core.setOutput('passed', String(failed.length === 0));
  core.setOutput('failed-checks', failed.map((r) => r.check.name).join(','));
  core.setOutput('report', reportPath);
  await writeSmokeSummary(core, site, results);
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${results.length} smoke check(s) failed on ${site}:\n${failed.map((r) => `- ${r.check.name}: ${r.reason}`).join('\n')}`,
    );
  }
}
