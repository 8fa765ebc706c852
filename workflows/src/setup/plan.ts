import type { EnvironmentConfig } from '../run/environments';
import type { Values } from '../values';

/** Where a value lives on GitHub: the repository, or one deployment environment. */
export type Target = { kind: 'repository' } | { kind: 'environment'; name: string };

/** One change to make on GitHub; secret values are carried but never printed. */
export type Operation =
  | { kind: 'environment'; environment: string; body: EnvironmentBody }
  | { kind: 'branch-policy'; environment: string; pattern: string; type: 'branch' | 'tag' }
  | { kind: 'secret'; target: Target; name: string; value: string }
  | { kind: 'variable'; target: Target; name: string; value: string };

export interface EnvironmentBody {
  wait_timer: number;
  prevent_self_review: boolean;
  reviewers: { type: 'User' | 'Team'; login: string }[];
  deployment_branch_policy: { protected_branches: false; custom_branch_policies: true } | null;
}

/**
 * Pure: what setting up the repository means, in order: repository variables and secrets, then each
 * environment (its protection rules first, then its branch rules, variables and secrets). The values
 * come from one description (the env file: `vars.X` / `secrets.X` for the repository,
 * `environments.<env>.vars.X` / `.secrets.X` for an environment); the rules from environments.yml.
 */
export function planSetup(config: Record<string, EnvironmentConfig>, values: Values): Operation[] {
  const unknown = Object.keys(values.environments).filter((name) => !config[name]);
  if (unknown.length)
    throw new Error(`values given for environments not in the config: ${unknown.join(', ')}`);
  const repository: Target = { kind: 'repository' };
  return [
    ...Object.entries(values.repository.vars).map(([name, value]) => ({
      kind: 'variable' as const,
      target: repository,
      name,
      value,
    })),
    ...Object.entries(values.repository.secrets).map(([name, value]) => ({
      kind: 'secret' as const,
      target: repository,
      name,
      value,
    })),
    ...Object.entries(config).flatMap(([environment, env]) => {
      const target: Target = { kind: 'environment', name: environment };
      const branches = env['deployment-branches'] ?? [];
      const tags = env['deployment-tags'] ?? [];
      const reviewers = [
        ...(env.reviewers?.users ?? []).map((login) => ({ type: 'User' as const, login })),
        ...(env.reviewers?.teams ?? []).map((login) => ({ type: 'Team' as const, login })),
      ];
      const given = values.environments[environment] ?? { secrets: {}, vars: {} };
      return [
        {
          kind: 'environment' as const,
          environment,
          body: {
            wait_timer: env['wait-timer'] ?? 0,
            prevent_self_review: env['prevent-self-review'] ?? false,
            reviewers,
            deployment_branch_policy:
              branches.length + tags.length
                ? { protected_branches: false as const, custom_branch_policies: true as const }
                : null,
          },
        },
        ...branches.map((pattern) => ({
          kind: 'branch-policy' as const,
          environment,
          pattern,
          type: 'branch' as const,
        })),
        ...tags.map((pattern) => ({
          kind: 'branch-policy' as const,
          environment,
          pattern,
          type: 'tag' as const,
        })),
        ...Object.entries({ ...env.variables, ...given.vars }).map(([name, value]) => ({
          kind: 'variable' as const,
          target,
          name,
          value,
        })),
        ...Object.entries(given.secrets).map(([name, value]) => ({
          kind: 'secret' as const,
          target,
          name,
          value,
        })),
      ];
    }),
  ];
}

const where = (target: Target) =>
  target.kind === 'repository' ? 'repository' : `environment ${target.name}`;

/** The dry run's text: names and rules, never a secret value. */
export function describe(operation: Operation): string {
  switch (operation.kind) {
    case 'environment': {
      const b = operation.body;
      const reviewers = b.reviewers.map((r) => `${r.type.toLowerCase()} ${r.login}`).join(', ') || 'none';
      return `environment ${operation.environment}: reviewers ${reviewers}${b.prevent_self_review ? ' (no self-review)' : ''}; wait ${b.wait_timer} min; branches ${b.deployment_branch_policy ? 'custom' : 'any'}`;
    }
    case 'branch-policy':
      return `environment ${operation.environment}: allow deployments from ${operation.type} ${operation.pattern}`;
    case 'variable':
      return `${where(operation.target)}: variable ${operation.name} = ${operation.value}`;
    case 'secret':
      return `${where(operation.target)}: secret ${operation.name} (${operation.value.length} chars, sealed with the ${operation.target.kind === 'repository' ? 'repository' : "environment's"} public key)`;
  }
}
