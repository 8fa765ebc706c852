// GitHub Deployments (REST: `/repos/{owner}/{repo}/deployments` and their statuses) through
// @actions/github: each deploy records which image digests went to which environment and how it
// ended, and production promotes only what staging recorded as a success.
import { getOctokit } from '@actions/github';
import { restApiUrl } from './run-context';

/** What a deployment carries in its payload: the version and the images by digest. */
export interface DeploymentPayload {
  version: string;
  images: { api: string; web: string };
}

export interface GitHubTarget {
  token: string;
  /** `owner/repo`. */
  repository: string;
  /** REST API base; default GITHUB_API_URL, as on a runner. */
  apiUrl?: string;
}

/** The states GitHub accepts for a deployment status. */
export const DEPLOYMENT_STATES = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

const DIGEST_REF = /^[a-z0-9][a-z0-9._:/-]*@sha256:[0-9a-f]{64}$/;
const REQUEST_TIMEOUT_MS = 15_000;
/** GitHub caps a status description at 140 characters. */
const MAX_DESCRIPTION = 140;

type Octokit = ReturnType<typeof getOctokit>;

function client(target: GitHubTarget): { octokit: Octokit; owner: string; repo: string } {
  const [owner, repo] = target.repository.split('/');
  if (!owner || !repo) throw new Error(`repository must be owner/name`);
  const octokit = getOctokit(target.token, {
    baseUrl: target.apiUrl || restApiUrl(),
    request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
  });
  return { octokit, owner, repo };
}

/** Problems of a payload (digests only: a tag can move, a digest cannot); empty when valid. */
export function payloadProblems(payload: DeploymentPayload): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(payload.version))
    problems.push('the version is not [A-Za-z0-9._-]{1,64}');
  for (const app of ['api', 'web'] as const)
    if (!DIGEST_REF.test(payload.images[app] ?? ''))
      problems.push(`the ${app} image is not pinned by digest (name@sha256:<64 hex>)`);
  return problems;
}

/**
 * Creates the deployment of `ref` to `environment` with the payload (no auto-merge, no required
 * contexts: CI already gated the run) and marks it `in_progress`. Returns its id.
 */
export async function startDeployment(
  target: GitHubTarget,
  deployment: {
    ref: string;
    environment: string;
    payload: DeploymentPayload;
    environmentUrl?: string;
    logUrl?: string;
  },
): Promise<number> {
  const problems = payloadProblems(deployment.payload);
  if (problems.length) throw new Error(`Refusing to record the deployment: ${problems.join('; ')}`);
  const { octokit, owner, repo } = client(target);
  const { data, status } = await octokit.rest.repos.createDeployment({
    owner,
    repo,
    ref: deployment.ref,
    environment: deployment.environment,
    payload: { ...deployment.payload } as unknown as Record<string, unknown>,
    description: `${deployment.payload.version} to ${deployment.environment}`.slice(0, MAX_DESCRIPTION),
    auto_merge: false,
    required_contexts: [],
    production_environment: deployment.environment === 'production',
  });
  if (status !== 201 || !('id' in data))
    throw new Error(
      `GitHub did not create the deployment (HTTP ${status}): ${JSON.stringify(data).slice(0, 200)}`,
    );
  await setDeploymentStatus(target, data.id, 'in_progress', deployment);
  return data.id;
}

/** Adds a status to a deployment (`success` makes GitHub mark older successes of the environment inactive). */
export async function setDeploymentStatus(
  target: GitHubTarget,
  id: number,
  state: DeploymentState,
  details: { environmentUrl?: string; logUrl?: string; description?: string } = {},
): Promise<void> {
  const { octokit, owner, repo } = client(target);
  await octokit.rest.repos.createDeploymentStatus({
    owner,
    repo,
    deployment_id: id,
    state,
    ...(details.environmentUrl ? { environment_url: details.environmentUrl } : {}),
    ...(details.logUrl ? { log_url: details.logUrl } : {}),
    ...(details.description ? { description: details.description.slice(0, MAX_DESCRIPTION) } : {}),
  });
}

/** A deployment whose statuses include `success` (it may be `inactive` now: a newer one replaced it). */
export interface ProvenDeployment {
  id: number;
  sha: string;
  payload: DeploymentPayload;
}

/**
 * The newest deployment of `version` to `environment` that reached `success`. Throws, saying why,
 * when there is none: never deployed there, or deployed but never successful.
 */
export async function findSuccessfulDeployment(
  target: GitHubTarget,
  environment: string,
  version: string,
): Promise<ProvenDeployment> {
  const { octokit, owner, repo } = client(target);
  const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, {
    owner,
    repo,
    environment,
    per_page: 100,
  });
  const candidates = deployments.filter((d) => payloadOf(d.payload)?.version === version);
  if (candidates.length === 0)
    throw new Error(
      `no ${environment} deployment of version ${version} is recorded on GitHub: deploy it to ${environment} first (production ships only what ${environment} proved)`,
    );
  const seen: string[] = [];
  for (const deployment of candidates) {
    const statuses = await octokit.paginate(octokit.rest.repos.listDeploymentStatuses, {
      owner,
      repo,
      deployment_id: deployment.id,
      per_page: 100,
    });
    const payload = payloadOf(deployment.payload)!;
    if (statuses.some((s) => s.state === 'success') && payloadProblems(payload).length === 0)
      return { id: deployment.id, sha: deployment.sha, payload };
    seen.push(`#${deployment.id} (${statuses[0]?.state ?? 'no status'})`);
  }
  throw new Error(
    `version ${version} was deployed to ${environment} but never succeeded there: ${seen.join(', ')}; fix it and deploy it to ${environment} again`,
  );
}

function payloadOf(raw: unknown): DeploymentPayload | undefined {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const p = value as Partial<DeploymentPayload> | null;
  if (!p || typeof p.version !== 'string' || typeof p.images !== 'object' || !p.images) return undefined;
  return { version: p.version, images: { api: String(p.images.api ?? ''), web: String(p.images.web ?? '') } };
}
