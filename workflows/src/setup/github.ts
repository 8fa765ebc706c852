import { getOctokit } from '@actions/github';
import sodium from 'libsodium-wrappers';
import type { Operation, Target } from './plan';

export interface GitHubOptions {
  apiUrl: string;
  token: string;
  owner: string;
  repo: string;
}

/** Encrypts a secret for GitHub: a libsodium sealed box to the repository/environment public key. */
export async function sealSecret(value: string, base64PublicKey: string): Promise<string> {
  await sodium.ready;
  const key = sodium.from_base64(base64PublicKey, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), key);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

/** Applies planned operations through the REST API, in order; stops at the first error. */
export class GitHubEnvironments {
  private readonly ids = new Map<string, number>();
  private readonly keys = new Map<string, { key_id: string; key: string }>();

  private readonly octokit: ReturnType<typeof getOctokit>;

  constructor(private readonly options: GitHubOptions) {
    this.octokit = getOctokit(options.token, { baseUrl: options.apiUrl.replace(/\/$/, '') });
  }

  async apply(operation: Operation): Promise<void> {
    const repo = `/repos/${this.options.owner}/${this.options.repo}`;
    const env = (name: string) => `${repo}/environments/${encodeURIComponent(name)}`;
    // Repository values live under /actions, an environment's directly under the environment.
    const base = (target: Target) => (target.kind === 'repository' ? `${repo}/actions` : env(target.name));
    switch (operation.kind) {
      case 'environment': {
        const reviewers = [];
        for (const r of operation.body.reviewers)
          reviewers.push({ type: r.type, id: await this.reviewerId(r.type, r.login) });
        await this.request('PUT', env(operation.environment), { ...operation.body, reviewers });
        return;
      }
      case 'branch-policy': {
        const policies = `${env(operation.environment)}/deployment-branch-policies`;
        const existing = (await this.request('GET', policies)) as {
          branch_policies: { name: string; type?: string }[];
        };
        const type = operation.type;
        if (
          !existing.branch_policies.some((p) => p.name === operation.pattern && (p.type ?? 'branch') === type)
        )
          await this.request('POST', policies, { name: operation.pattern, type });
        return;
      }
      case 'variable': {
        const path = `${base(operation.target)}/variables/${encodeURIComponent(operation.name)}`;
        const exists = (await this.request('GET', path, undefined, [404])) !== undefined;
        const body = { name: operation.name, value: operation.value };
        if (exists) await this.request('PATCH', path, body);
        else await this.request('POST', `${base(operation.target)}/variables`, body);
        return;
      }
      case 'secret': {
        const publicKey = await this.publicKey(base(operation.target));
        const encrypted_value = await sealSecret(operation.value, publicKey.key);
        await this.request('PUT', `${base(operation.target)}/secrets/${encodeURIComponent(operation.name)}`, {
          encrypted_value,
          key_id: publicKey.key_id,
        });
        return;
      }
    }
  }

  private async publicKey(env: string) {
    let key = this.keys.get(env);
    if (!key) {
      key = (await this.request('GET', `${env}/secrets/public-key`)) as { key_id: string; key: string };
      this.keys.set(env, key);
    }
    return key;
  }

  private async reviewerId(type: 'User' | 'Team', login: string): Promise<number> {
    const path =
      type === 'User'
        ? `/users/${encodeURIComponent(login)}`
        : `/orgs/${this.options.owner}/teams/${encodeURIComponent(login)}`;
    let id = this.ids.get(path);
    if (id === undefined) {
      id = ((await this.request('GET', path)) as { id: number }).id;
      this.ids.set(path, id);
    }
    return id;
  }

  /**
   * One REST call through Octokit (auth, Accept and API version headers, JSON); `allowed` statuses
   * return undefined instead of throwing. The error never holds a body we sent.
   */
  private async request(
    method: string,
    path: string,
    body?: Record<string, unknown>,
    allowed: number[] = [],
  ): Promise<unknown> {
    try {
      // The path is already encoded: passed as the route's url, with the body as its parameters.
      const response = await this.octokit.request({ method, url: path, ...body });
      return response.data ?? {};
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number') throw error;
      if (allowed.includes(status)) return undefined;
      throw new Error(`${method} ${path} → ${status}: ${(error as Error).message.slice(0, 300)}`);
    }
  }
}
