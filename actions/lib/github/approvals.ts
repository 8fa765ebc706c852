// Who approved a deployment: the review history of the workflow run (GitHub's REST API,
// `GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`, which needs `actions: read`).
import { getOctokit } from '@actions/github';
import { restApiUrl } from './run-context';
import { errorMessage } from '../action/run';

export interface ApprovalQuery {
  /** The job's token; without one the API is not asked. */
  token: string;
  /** `owner/repo`. */
  repository: string;
  runId: string;
  environment: string;
  /** GitHub's REST API base; default GITHUB_API_URL, as on a runner. */
  apiUrl?: string;
}

/** The answer for people: who approved, or why nobody can be named. */
export interface Approval {
  /** `@alice`, `@alice, @bob`, `rejected by @carol`, `no approval recorded`, or `approver unknown`. */
  text: string;
  /** Why the API could not tell (only with `approver unknown`). */
  unknownBecause?: string;
}

interface Review {
  state?: string;
  environments?: { name?: string }[];
  user?: { login?: string } | null;
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The reviewers of `environment` in this run. Never throws: when the API cannot tell (no token,
 * no permission, unreachable, an unexpected answer) the answer is `approver unknown`, with why.
 */
export async function findApprover(query: ApprovalQuery): Promise<Approval> {
  const unknown = (why: string): Approval => ({ text: 'approver unknown', unknownBecause: why });
  const [owner, repo] = query.repository.split('/');
  if (!query.token) return unknown('no GitHub token');
  if (!owner || !repo || !/^\d+$/.test(query.runId))
    return unknown('no repository or run id (not on a runner)');
  try {
    const octokit = getOctokit(query.token, {
      baseUrl: query.apiUrl || restApiUrl(),
      request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    });
    const { data } = await octokit.rest.actions.getReviewsForRun({
      owner,
      repo,
      run_id: Number(query.runId),
    });
    if (!Array.isArray(data)) return unknown('the API answered something other than a list of reviews');
    return describeReviews(data as Review[], query.environment);
  } catch (error) {
    return unknown(describeError(error));
  }
}

/** Approvals of `environment` name their reviewers; none at all means nobody had to approve. */
export function describeReviews(reviews: Review[], environment: string): Approval {
  const forEnvironment = reviews.filter((r) => r.environments?.some((e) => e.name === environment));
  const logins = (state: string) => [
    ...new Set(
      forEnvironment.filter((r) => r.state === state && r.user?.login).map((r) => `@${r.user!.login}`),
    ),
  ];
  const approved = logins('approved');
  if (approved.length > 0) return { text: approved.join(', ') };
  const rejected = logins('rejected');
  if (rejected.length > 0) return { text: `rejected by ${rejected.join(', ')}` };
  return { text: 'no approval recorded' };
}

function describeError(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  if (status === 401) return 'HTTP 401: the token was refused';
  if (status === 403 || status === 404)
    return `HTTP ${status}: the token cannot read the run's reviews (the job needs \`permissions: actions: read\`)`;
  return errorMessage(error);
}
