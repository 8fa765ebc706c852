// scripts/setup-environments: creates the GitHub deployment environments of workflows/environments.yml
// (required reviewers, deployment branches) and their variables and secrets, through the REST API.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnvFile } from '../cli';
import { loadEnvironments } from '../run/environments';
import { GitHubEnvironments } from './github';
import { describe, planEnvironments, type Values } from './plan';

const USAGE = `Usage: scripts/setup-environments --repo owner/name [--config workflows/environments.yml]
         [--values <environment>=<env file>]... [--api-url https://api.github.com] [--dry-run]
The token comes from GITHUB_TOKEN (an admin token of the repository). Env files hold
secrets.NAME=... and vars.NAME=... lines (the format of \`pipeline run --env-file\`).`;

export async function main(
  argv: string[],
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
  let repo = '';
  let config = join(repoRoot, 'workflows', 'environments.yml');
  let apiUrl = process.env.GITHUB_API_URL ?? 'https://api.github.com';
  let dryRun = false;
  const values: Record<string, Values> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = () => argv[++i] ?? '';
    if (arg === '--repo') repo = next();
    else if (arg === '--config') config = next();
    else if (arg === '--api-url') apiUrl = next();
    else if (arg === '--dry-run') dryRun = true;
    else if (arg === '--values') {
      const [environment, file] = next().split(/=(.*)/s);
      if (!environment || !file) throw new Error('--values expects <environment>=<env file>');
      const parsed = parseEnvFile(readFileSync(file, 'utf8'));
      values[environment] = { secrets: parsed.secrets, vars: parsed.vars };
    } else {
      write(USAGE);
      return arg === '--help' ? 0 : 2;
    }
  }
  const [owner, name] = repo.split('/');
  if (!owner || !name) throw new Error(`--repo owner/name is required\n${USAGE}`);
  const operations = planEnvironments(loadEnvironments(config).environments, values);
  if (dryRun) {
    write(`Dry run for ${repo}: ${operations.length} change(s), nothing sent.`);
    for (const op of operations) write(`  ${describe(op)}`);
    return 0;
  }
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new Error('GITHUB_TOKEN is not set (an admin token of the repository)');
  const github = new GitHubEnvironments({ apiUrl, token, owner, repo: name });
  for (const op of operations) {
    await github.apply(op);
    write(`✔ ${describe(op)}`);
  }
  return 0;
}
