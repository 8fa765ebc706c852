// Where a run can be found again: a link for people (summaries, Slack) and a short label for
// records on hosts (the deploy lock's owner, the audit log).

/** The link to this workflow run on GitHub, when running there. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : undefined;
}

/** `owner/repo#<run id>` on a runner, `local` elsewhere. */
export function runLabel(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_RUN_ID ? `${env.GITHUB_REPOSITORY ?? ''}#${env.GITHUB_RUN_ID}` : 'local';
}

/** Who started the run: the GitHub actor, else the local user. */
export function runActor(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_ACTOR ?? env.USER ?? 'unknown';
}
