import type { Core } from '../../lib/action/core';
import { readEnvFile } from '../../lib/env/env-file';
import { loadSchema } from '../../lib/env/schema';
import { validateVariables, type Report } from '../../lib/env/validate';
import { readInputs } from './inputs';
import { writeValidationSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const schema = loadSchema(inputs.schemaPath);
  const variables = inputs.envFile ? readEnvFile(inputs.envFile) : stringEnv(process.env);
  // Values are never printed, so they are not registered as masks either: `::add-mask::`
  // would itself write them to stdout, and short values ("1") would blank out the whole log.

  const report = validateVariables(schema, variables, inputs.envFile ? inputs.allowExtra : true);
  const where = inputs.environment ? ` for \`${inputs.environment}\`` : '';

  core.setOutput('valid', String(report.valid));
  core.setOutput('missing', report.missing.join(','));
  core.setOutput('invalid', report.invalid.join(','));
  await writeValidationSummary(core, report, where);

  if (!report.valid) throw new Error(failureMessage(report, where));
  core.info(`All ${Object.keys(schema.properties).length} variables in the schema are valid${where}.`);
}

function failureMessage(report: Report, where: string): string {
  const lines = report.results
    .filter((r) => r.status === 'missing' || r.status === 'invalid' || r.status === 'extra')
    .map((r) => `- ${r.name}: ${r.status}, ${r.reason}`);
  return `Environment variables${where} do not satisfy the schema (${report.missing.length} missing, ${report.invalid.length} invalid):\n${lines.join('\n')}`;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
