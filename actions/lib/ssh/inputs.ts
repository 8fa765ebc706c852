import { RULES, type Inputs } from '../action/inputs';
import { parseHost, parseKnownHosts, type HostTarget, type KnownHost } from './known-hosts';

/** Where and as whom an action connects: the `hosts`, `user`, `private-key` and `known-hosts` inputs. */
export interface SshTargets {
  hosts: HostTarget[];
  user: string;
  privateKey: string;
  knownHosts: KnownHost[];
}

/** Reads the four SSH inputs every action that works on hosts shares (deploy-ssh, rollback, ssl-renew). */
export function readSshTargets(inputs: Inputs): SshTargets {
  const privateKey = inputs.secret('private-key', { required: true }) ?? '';
  return {
    hosts: readHosts(inputs),
    user: inputs.optional('user', RULES.user) ?? '',
    privateKey,
    knownHosts: readKnownHosts(inputs),
  };
}

function readHosts(inputs: Inputs): HostTarget[] {
  if (!inputs.raw('hosts')) {
    inputs.problem('hosts', 'is required (one `host` or `host:port` per line, or comma-separated)');
    return [];
  }
  const targets = inputs.each('hosts', parseHost);
  const seen = new Set(targets.map((t) => `${t.host}:${t.port}`));
  if (seen.size !== targets.length) inputs.problem('hosts', 'lists a host twice');
  return targets;
}

function readKnownHosts(inputs: Inputs): KnownHost[] {
  const text = inputs.raw('known-hosts');
  if (!text) {
    inputs.problem(
      'known-hosts',
      'is required: the OpenSSH known_hosts lines pinning every host key (ssh-keyscan, verified out of band)',
    );
    return [];
  }
  try {
    return parseKnownHosts(text);
  } catch (error) {
    inputs.problem('known-hosts', (error as Error).message.replace(/^known-hosts /, ''));
    return [];
  }
}
