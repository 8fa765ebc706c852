// scripts/setup-environments: writes a repository's Actions values at both levels from one
// description, through the REST API: repository variables and secrets, and the deployment
// environments of workflows/environments.yml (required reviewers, deployment branches) with theirs.
// A dry run unless --apply.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { emptyLevel, parseEnvFile, type Values } from '../values';
import { loadEnvironments } from '../run/environments';
import { GitHubEnvironments } from './github';
import { describe, planSetup } from './plan';

const USAGE = `Usage: scripts/setup-environments --repo owner/name --values <env file> [--apply]
         [--config workflows/environments.yml] [--api-url https://api.github.com]
Without --apply it only prints what it would change (a dry run: nothing is sent, no secret value is
printed). The env file is the one \`pipeline run --env-file\` reads: secrets.NAME= and vars.NAME= are
repository-level (every job sees them); environments.<env>.secrets.NAME= and
environments.<env>.vars.NAME= belong to that environment (only jobs that name it see them).
The token comes from GITHUB_TOKEN (an admin token of the repository).`;

export async function main(
  argv: string[],
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
  let repo = '';
  let config = join(repoRoot, 'workflows', 'environments.yml');
  let apiUrl = process.env.GITHUB_API_URL ?? 'https://api.github.com';
  let apply = false;
  let values: Values = { repository: emptyLevel(), environments: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = () => argv[++i] ?? '';
    if (arg === '--repo') repo = next();
    else if (arg === '--config') config = next();
    else if (arg === '--api-url') apiUrl = next();
    else if (arg === '--dry-run') apply = false;
    else if (arg === '--apply') apply = true;
    else if (arg === '--values') {
      const parsed = parseEnvFile(readFileSync(next(), 'utf8'));
      if (Object.keys(parsed.runner).length)
        throw new Error('--values: runner.* lines are the local runner machine, not GitHub values');
      values = { repository: parsed.repository, environments: parsed.environments };
    } else {
      write(USAGE);
      return arg === '--help' ? 0 : 2;
    }
  }
  const [owner, name] = repo.split('/');
  if (!owner || !name) throw new Error(`--repo owner/name is required\n${USAGE}`);
  const operations = planSetup(loadEnvironments(config).environments, values);
  if (!apply) {
    write(`Dry run for ${repo}: ${operations.length} change(s), nothing sent (--apply sends them).`);
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
