import { branchAllowed, requiresApproval, type EnvironmentsFile } from './environments';
import type { Reporter } from './reporter';

export interface ApprovalOptions {
  environments: EnvironmentsFile;
  /** Environments approved up front (`--approve <name>`). */
  approved: Set<string>;
  /** Interactive approval (a yes on a TTY); absent when nobody can answer. */
  confirm?: (question: string) => Promise<boolean>;
  reporter: Reporter;
}

/**
 * The local stand-in for GitHub's environment protection rules. Returns why the job may
 * not deploy, or undefined when it may. Without an approval it refuses: it never waits forever
 * and never assumes a yes.
 */
export async function gateEnvironment(
  name: string,
  refName: string,
  options: ApprovalOptions,
  refType: 'branch' | 'tag' = 'branch',
): Promise<string | undefined> {
  if (!name) return 'the job declares an empty environment name';
  if (!branchAllowed(options.environments, name, refName, refType))
    return `environment '${name}' does not allow deployments from ${refType} '${refName}' (deployment ${refType} policy)`;
  if (!options.environments.environments[name]) {
    options.reporter.line(`  environment ${name}: not declared: no protection rules (GitHub creates it so)`);
    return undefined;
  }
  if (!requiresApproval(options.environments, name)) {
    options.reporter.line(`  environment ${name}: no required reviewers`);
    return undefined;
  }
  if (options.approved.has(name)) {
    options.reporter.line(`  environment ${name}: approved (--approve ${name})`);
    return undefined;
  }
  if (options.confirm) {
    const yes = await options.confirm(`Environment '${name}' requires approval. Deploy? [y/N] `);
    options.reporter.line(
      `  environment ${name}: ${yes ? 'approved interactively' : 'rejected interactively'}`,
    );
    return yes ? undefined : `deployment to '${name}' rejected`;
  }
  return `environment '${name}' requires approval: rerun with --approve ${name} (or answer on a terminal)`;
}
