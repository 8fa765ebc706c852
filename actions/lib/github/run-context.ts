// The run's GitHub context through @actions/github (hydrated from the runner's GITHUB_* variables
// and the event payload), in the forms the actions need, empty outside a runner.
import { context } from '@actions/github';

export type RunContext = Pick<typeof context, 'repo' | 'runId' | 'apiUrl'>;

/** `owner/name` of the run's repository (GITHUB_REPOSITORY, else the event's); '' outside GitHub. */
export function runRepository(github: Pick<RunContext, 'repo'> = context): string {
  try {
    const { owner, repo } = github.repo;
    return owner && repo ? `${owner}/${repo}` : '';
  } catch {
    return ''; // context.repo throws without GITHUB_REPOSITORY and event
  }
}

/** The run id (GITHUB_RUN_ID) as text; '' outside GitHub. */
export function runId(github: Pick<RunContext, 'runId'> = context): string {
  return Number.isSafeInteger(github.runId) && github.runId > 0 ? String(github.runId) : '';
}

/** GitHub's REST API base: GITHUB_API_URL on a runner (GHES too), else api.github.com. */
export function restApiUrl(github: Pick<RunContext, 'apiUrl'> = context): string {
  return github.apiUrl || 'https://api.github.com';
}
