import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sodium from 'libsodium-wrappers';

export interface FakeEnvironment {
  body: Record<string, unknown>;
  /** `name` for a branch policy, `tag:name` for a tag policy. */
  branchPolicies: string[];
  variables: Record<string, string>;
  /** Secrets as GitHub stores them: decrypted here with the private key, to prove the sealing is right. */
  secrets: Record<string, string>;
}

/** One entry of a run's review history (`GET .../actions/runs/{run_id}/approvals`), as GitHub returns it. */
export interface FakeReview {
  state: 'approved' | 'rejected';
  comment: string;
  environments: { id: number; name: string }[];
  user: { login: string; id: number; type: 'User' };
}

/** A deployment as GitHub returns it, with its statuses (newest first). */
export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  payload: unknown;
  description: string | null;
  production_environment: boolean;
  transient_environment: boolean;
  created_at: string;
  statuses: FakeDeploymentStatus[];
}

export interface FakeDeploymentStatus {
  id: number;
  state: string;
  environment_url: string;
  log_url: string;
  description: string;
  created_at: string;
}

const STATUS_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

/**
 * A local server speaking the slice of GitHub's REST API that environment setup and the deploy
 * notification use: repository Actions variables and secrets, environments, deployment branch
 * policies, environment variables, environment secrets with a real libsodium key pair (sealed boxes
 * are opened with the private key; the repository and each environment have their own key id),
 * users and teams, the review history of workflow runs, and Deployments with their statuses (refs
 * resolved through `refs`, payload kept as given, `auto_inactive` as GitHub applies it, 422 for what
 * GitHub refuses). Requires the token (`Bearer` or `token` scheme, as GitHub accepts both).
 */
export class FakeGitHub {
  readonly environments = new Map<string, FakeEnvironment>();
  /** Repository-level Actions variables and secrets (`/repos/{owner}/{repo}/actions/...`). */
  readonly repository: Pick<FakeEnvironment, 'variables' | 'secrets'> = { variables: {}, secrets: {} };
  /** Review histories by run id; an unknown run answers 404, as GitHub does. */
  readonly runReviews = new Map<string, FakeReview[]>();
  readonly requests: string[] = [];
  readonly deployments: FakeDeployment[] = [];
  /** Branch and tag names → commit, for resolving a deployment's `ref` (a 40-hex sha is taken as is). */
  readonly refs = new Map<string, string>();
  /** Called after every recorded deployment or status (fake-github-server.ts saves its state file). */
  onDeploymentsChange?: () => void;
  private nextId = 1;
  private server?: Server;
  private keyPair?: { publicKey: Uint8Array; privateKey: Uint8Array };

  constructor(
    private readonly token: string,
    private readonly owner = 'contextai',
    private readonly repo = 'delivery',
  ) {}

  /** Deployments kept from an earlier run (GitHub outlives the servers it deploys to). */
  restoreDeployments(saved: FakeDeployment[]): void {
    this.deployments.push(...saved);
    const ids = saved.flatMap((d) => [d.id, ...d.statuses.map((s) => s.id)]);
    this.nextId = Math.max(this.nextId, ...ids.map((id) => id + 1));
  }

  async start(port = 0): Promise<string> {
    await sodium.ready;
    this.keyPair = sodium.crypto_box_keypair();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
      : {};
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    this.requests.push(`${method} ${path}`);
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${this.token}` && auth !== `token ${this.token}`)
      return send(401, { message: 'Bad credentials' });

    const reviews = new RegExp(`^/repos/${this.owner}/${this.repo}/actions/runs/(\\d+)/approvals$`).exec(
      path,
    );
    if (reviews && method === 'GET') {
      const history = this.runReviews.get(reviews[1]!);
      return history ? send(200, history) : send(404, { message: 'Not Found' });
    }

    const deployments = new RegExp(
      `^/repos/${this.owner}/${this.repo}/deployments(?:/(\\d+)(/statuses)?)?$`,
    ).exec(path);
    if (deployments)
      return this.deployment(method, deployments[1], Boolean(deployments[2]), body, req.url ?? '', send);

    const user = /^\/users\/([^/]+)$/.exec(path);
    if (user && method === 'GET') return send(200, { login: user[1], id: 1000 + user[1]!.length });
    const team = new RegExp(`^/orgs/${this.owner}/teams/([^/]+)$`).exec(path);
    if (team && method === 'GET') return send(200, { slug: team[1], id: 2000 + team[1]!.length });

    const actions = new RegExp(`^/repos/${this.owner}/${this.repo}/actions(/.*)$`).exec(path);
    if (actions) return this.values(this.repository, 'repo-key', actions[1]!, method, body, send);
    const match = new RegExp(`^/repos/${this.owner}/${this.repo}/environments/([^/]+)(/.*)?$`).exec(path);
    if (!match) return send(404, { message: 'Not Found' });
    const [, name, rest = ''] = match as unknown as [string, string, string | undefined];
    if (rest === '' && method === 'PUT') {
      const env = this.environments.get(name) ?? { body: {}, branchPolicies: [], variables: {}, secrets: {} };
      env.body = body;
      this.environments.set(name, env);
      return send(200, { name, ...body });
    }
    const env = this.environments.get(name);
    if (!env) return send(404, { message: 'Not Found' });
    if (rest === '/deployment-branch-policies' && method === 'GET')
      return send(200, {
        total_count: env.branchPolicies.length,
        branch_policies: env.branchPolicies.map((n) =>
          n.startsWith('tag:') ? { name: n.slice(4), type: 'tag' } : { name: n, type: 'branch' },
        ),
      });
    if (rest === '/deployment-branch-policies' && method === 'POST') {
      const type = body.type ?? 'branch';
      if (type !== 'branch' && type !== 'tag') return send(422, { message: 'type must be branch or tag' });
      if (!env.body.deployment_branch_policy)
        return send(404, { message: 'custom deployment branch and tag policies are not enabled' });
      env.branchPolicies.push(type === 'tag' ? `tag:${String(body.name)}` : String(body.name));
      return send(200, { name: body.name, type });
    }
    return this.values(env, `env-key-${name}`, rest, method, body, send);
  }

  /** `/deployments`, `/deployments/{id}` and `/deployments/{id}/statuses`, as GitHub answers them. */
  private deployment(
    method: string,
    idText: string | undefined,
    statuses: boolean,
    body: Record<string, unknown>,
    url: string,
    send: (status: number, body?: unknown) => void,
  ): void {
    const now = new Date().toISOString();
    const query = new URL(url, 'http://x').searchParams;
    const page = <T>(items: T[]) => {
      const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
      const start = (Number(query.get('page') ?? 1) - 1) * perPage;
      return items.slice(start, start + perPage);
    };
    const view = ({ statuses: _, ...d }: FakeDeployment) => d;
    if (idText === undefined) {
      if (method === 'GET') {
        const found = this.deployments
          .filter((d) =>
            ['environment', 'sha', 'ref', 'task'].every(
              (k) => !query.has(k) || String(d[k as 'sha']) === query.get(k),
            ),
          )
          .reverse();
        return send(200, page(found).map(view));
      }
      if (method !== 'POST') return send(404, { message: 'Not Found' });
      if (typeof body.ref !== 'string' || !body.ref)
        return send(422, { message: 'Invalid request: ref is required' });
      const sha = /^[0-9a-f]{40}$/.test(body.ref)
        ? body.ref
        : this.refs.get(body.ref.replace(/^refs\/(heads|tags)\//, ''));
      if (!sha) return send(422, { message: `No ref found for: ${body.ref}` });
      if (body.required_contexts !== undefined && !Array.isArray(body.required_contexts))
        return send(422, { message: 'required_contexts must be an array' });
      if (body.payload !== undefined && typeof body.payload !== 'object' && typeof body.payload !== 'string')
        return send(422, { message: 'payload must be an object or a JSON string' });
      const deployment: FakeDeployment = {
        id: this.nextId++,
        sha,
        ref: body.ref,
        task: typeof body.task === 'string' ? body.task : 'deploy',
        environment: typeof body.environment === 'string' ? body.environment : 'production',
        payload: body.payload ?? {},
        description: typeof body.description === 'string' ? body.description : null,
        production_environment:
          body.production_environment === true || (body.environment ?? 'production') === 'production',
        transient_environment: body.transient_environment === true,
        created_at: now,
        statuses: [],
      };
      this.deployments.push(deployment);
      this.onDeploymentsChange?.();
      return send(201, view(deployment));
    }
    const deployment = this.deployments.find((d) => d.id === Number(idText));
    if (!deployment) return send(404, { message: 'Not Found' });
    if (!statuses)
      return method === 'GET' ? send(200, view(deployment)) : send(404, { message: 'Not Found' });
    if (method === 'GET') return send(200, page(deployment.statuses));
    if (method !== 'POST') return send(404, { message: 'Not Found' });
    if (!STATUS_STATES.includes(String(body.state)))
      return send(422, { message: `state must be one of ${STATUS_STATES.join(', ')}` });
    if (typeof body.description === 'string' && body.description.length > 140)
      return send(422, { message: 'description is too long (maximum is 140 characters)' });
    const status: FakeDeploymentStatus = {
      id: this.nextId++,
      state: String(body.state),
      environment_url: typeof body.environment_url === 'string' ? body.environment_url : '',
      log_url: typeof body.log_url === 'string' ? body.log_url : '',
      description: typeof body.description === 'string' ? body.description : '',
      created_at: now,
    };
    deployment.statuses.unshift(status);
    // auto_inactive (default true): a success marks the environment's other non-transient deployments inactive.
    if (status.state === 'success' && body.auto_inactive !== false)
      for (const other of this.deployments)
        if (
          other !== deployment &&
          other.environment === deployment.environment &&
          !other.transient_environment &&
          other.statuses[0]?.state === 'success'
        )
          other.statuses.unshift({ ...status, id: this.nextId++, state: 'inactive', description: '' });
    this.onDeploymentsChange?.();
    return send(201, status);
  }

  /** Variables and secrets of the repository or of one environment (same shapes, own key id). */
  private values(
    store: Pick<FakeEnvironment, 'variables' | 'secrets'>,
    keyId: string,
    rest: string,
    method: string,
    body: Record<string, unknown>,
    send: (status: number, body?: unknown) => void,
  ): void {
    if (rest === '/secrets/public-key' && method === 'GET')
      return send(200, {
        key_id: keyId,
        key: sodium.to_base64(this.keyPair!.publicKey, sodium.base64_variants.ORIGINAL),
      });
    const secret = /^\/secrets\/([^/]+)$/.exec(rest);
    if (secret && method === 'PUT') {
      if (body.key_id !== keyId) return send(422, { message: 'wrong key_id' });
      const sealed = sodium.from_base64(String(body.encrypted_value), sodium.base64_variants.ORIGINAL);
      const opened = sodium.crypto_box_seal_open(sealed, this.keyPair!.publicKey, this.keyPair!.privateKey);
      store.secrets[secret[1]!] = sodium.to_string(opened);
      return send(201);
    }
    if (rest === '/variables' && method === 'POST') {
      if (String(body.name) in store.variables) return send(409, { message: 'Already exists' });
      store.variables[String(body.name)] = String(body.value);
      return send(201);
    }
    const variable = /^\/variables\/([^/]+)$/.exec(rest);
    if (variable && method === 'GET')
      return variable[1]! in store.variables
        ? send(200, { name: variable[1], value: store.variables[variable[1]!] })
        : send(404, { message: 'Not Found' });
    if (variable && method === 'PATCH') {
      if (!(variable[1]! in store.variables)) return send(404, { message: 'Not Found' });
      store.variables[variable[1]!] = String(body.value);
      return send(204);
    }
    return send(404, { message: 'Not Found' });
  }
}

/** A review as GitHub records it when `login` approves (or rejects) a deployment to `environment`. */
export function fakeReview(
  login: string,
  environment: string,
  state: FakeReview['state'] = 'approved',
): FakeReview {
  return {
    state,
    comment: '',
    environments: [{ id: 100 + environment.length, name: environment }],
    user: { login, id: 1000 + login.length, type: 'User' },
  };
}
