import type { EnvironmentConfig } from '../run/environments';

/** One change to make on GitHub; secret values are carried but never printed. */
export type Operation =
  | { kind: 'environment'; environment: string; body: EnvironmentBody }
  | { kind: 'branch-policy'; environment: string; pattern: string }
  | { kind: 'secret'; environment: string; name: string; value: string }
  | { kind: 'variable'; environment: string; name: string; value: string };

export interface EnvironmentBody {
  wait_timer: number;
  prevent_self_review: boolean;
  reviewers: { type: 'User' | 'Team'; login: string }[];
  deployment_branch_policy: { protected_branches: false; custom_branch_policies: true } | null;
}

export interface Values {
  secrets: Record<string, string>;
  vars: Record<string, string>;
}

/** Pure: what setting up these environments means, in order (environment first, then its contents). */
export function planEnvironments(
  config: Record<string, EnvironmentConfig>,
  values: Record<string, Values>,
): Operation[] {
  const unknown = Object.keys(values).filter((name) => !config[name]);
  if (unknown.length)
    throw new Error(`values given for environments not in the config: ${unknown.join(', ')}`);
  return Object.entries(config).flatMap(([environment, env]) => {
    const branches = env['deployment-branches'] ?? [];
    const reviewers = [
      ...(env.reviewers?.users ?? []).map((login) => ({ type: 'User' as const, login })),
      ...(env.reviewers?.teams ?? []).map((login) => ({ type: 'Team' as const, login })),
    ];
    const given = values[environment] ?? { secrets: {}, vars: {} };
    return [
      {
        kind: 'environment' as const,
        environment,
        body: {
          wait_timer: env['wait-timer'] ?? 0,
          prevent_self_review: env['prevent-self-review'] ?? false,
          reviewers,
          deployment_branch_policy: branches.length
            ? { protected_branches: false as const, custom_branch_policies: true as const }
            : null,
        },
      },
      ...branches.map((pattern) => ({ kind: 'branch-policy' as const, environment, pattern })),
      ...Object.entries({ ...env.variables, ...given.vars }).map(([name, value]) => ({
        kind: 'variable' as const,
        environment,
        name,
        value,
      })),
      ...Object.entries(given.secrets).map(([name, value]) => ({
        kind: 'secret' as const,
        environment,
        name,
        value,
      })),
    ];
  });
}

/** The dry run's text: names and rules, never a secret value. */
export function describe(operation: Operation): string {
  switch (operation.kind) {
    case 'environment': {
      const b = operation.body;
      const reviewers = b.reviewers.map((r) => `${r.type.toLowerCase()} ${r.login}`).join(', ') || 'none';
      return `environment ${operation.environment}: reviewers ${reviewers}; wait ${b.wait_timer} min; branches ${b.deployment_branch_policy ? 'custom' : 'any'}`;
    }
    case 'branch-policy':
      return `environment ${operation.environment}: allow deployments from ${operation.pattern}`;
    case 'variable':
      return `environment ${operation.environment}: variable ${operation.name} = ${operation.value}`;
    case 'secret':
      return `environment ${operation.environment}: secret ${operation.name} (${operation.value.length} chars, sealed with the environment's public key)`;
  }
}
