import type { SshTargets } from '../ssh/inputs';
import { formatHost, type HostTarget } from '../ssh/known-hosts';
import { SshSession } from '../ssh/session';
import type { ChallengeResponder, Issued } from './acme';
import { checkPair, describeCertificate } from './certificate';
import type { Installed } from './decision';
import { backupArgv, restoreArgv, tokenPath, type CertPaths } from './paths';
import { waitForServedCertificate } from './tls-probe';

export interface Host {
  label: string;
  target: HostTarget;
  session: SshSession;
}

/** Connects to every host (host keys checked before authentication); on any failure closes the others and throws. */
export async function connectAll(ssh: SshTargets): Promise<Host[]> {
  const targets = ssh.hosts;
  const auth = { username: ssh.user, privateKey: ssh.privateKey, knownHosts: ssh.knownHosts };
  const results = await Promise.allSettled(targets.map((target) => SshSession.connect({ target, ...auth })));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  const hosts = results.flatMap((r, i) =>
    r.status === 'fulfilled'
      ? [{ label: formatHost(targets[i]!), target: targets[i]!, session: r.value }]
      : [],
  );
  if (failures.length > 0) {
    closeAll(hosts);
    throw new Error(failures.join('\n'));
  }
  return hosts;
}

export function closeAll(hosts: Host[]): void {
  for (const host of hosts) host.session.close();
}

/** The certificate a host has installed now, or why it has none to judge. */
export async function readInstalled(host: Host, paths: CertPaths, domains: string[]): Promise<Installed> {
  const pem = await host.session.readFile(paths.live.chain);
  if (!pem) return { host: host.label, problem: `no certificate at ${paths.live.chain}` };
  try {
    return { host: host.label, cert: describeCertificate(pem.toString('utf8'), domains) };
  } catch (error) {
    return { host: host.label, problem: `${paths.live.chain} does not parse (${(error as Error).message})` };
  }
}

/** Publishes HTTP-01 tokens into every host's webroot, remembering them so they can all be removed. */
export class WebrootResponder implements ChallengeResponder {
  private readonly published = new Set<string>();

  constructor(
    private readonly hosts: Host[],
    private readonly webroot: string,
  ) {}

  async publish(token: string, keyAuthorization: string): Promise<void> {
    this.published.add(token);
    await Promise.all(
      this.hosts.map((h) =>
        h.session.writeFile(tokenPath(this.webroot, token), keyAuthorization, { mode: 0o644 }),
      ),
    );
  }

  async remove(token: string): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.session.remove(tokenPath(this.webroot, token))));
    this.published.delete(token);
  }

  /** Removes every token still published; returns the problems instead of throwing (it runs in `finally`). */
  async removeAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const token of [...this.published]) {
      await this.remove(token).catch((error: Error) => problems.push(`token ${token}: ${error.message}`));
    }
    return problems;
  }
}

/**
 * Uploads the new pair next to the live one (key mode 0600 from the first byte), reads it
 * back and checks what is on disk: key matches certificate, chain verifies, names covered.
 */
export async function stage(host: Host, paths: CertPaths, issued: Issued, domains: string[]): Promise<void> {
  const { session } = host;
  await session.writeFile(paths.staged.key, issued.keyPem, { mode: 0o600 });
  await session.writeFile(paths.staged.chain, issued.chainPem, { mode: 0o644 });
  const [key, chain] = await Promise.all([
    session.readFile(paths.staged.key),
    session.readFile(paths.staged.chain),
  ]);
  if (!key || !chain) throw new Error(`${host.label}: the staged files vanished after upload`);
  const problems = checkPair(key.toString('utf8'), chain.toString('utf8'), domains);
  if (problems.length > 0)
    throw new Error(`${host.label}: the new certificate was not installed: ${problems.join('; ')}`);
}

/** Removes staged files that were not renamed into place (after a failure); never throws. */
export async function discardStaged(host: Host, paths: CertPaths): Promise<void> {
  await Promise.all([host.session.remove(paths.staged.key), host.session.remove(paths.staged.chain)]).catch(
    () => undefined,
  );
}

export interface Activation {
  testCommand: string[];
  reloadCommand: string[];
  httpsPort: number;
  domains: string[];
  /** DER of the new leaf: what the host must serve afterwards. */
  expectedLeaf: Buffer;
  log: (message: string) => void;
}

/**
 * Puts the staged pair live on one host: keep the old pair as `.previous` (hard links),
 * rename the new one into place, test the config, reload, and check over TLS that the new
 * certificate is served. Any failure restores the old pair (and reloads again if the reload
 * had happened), so the host keeps serving what it served before.
 */
export async function activate(host: Host, paths: CertPaths, a: Activation): Promise<void> {
  const { session } = host;
  await session.exec(backupArgv(paths));
  let reloaded = false;
  try {
    await session.rename(paths.staged.key, paths.live.key);
    await session.rename(paths.staged.chain, paths.live.chain);
    await session.exec(a.testCommand);
    await session.exec(a.reloadCommand);
    reloaded = true;
    await waitForServedCertificate(host.target.host, a.httpsPort, a.domains, a.expectedLeaf);
    a.log(`${host.label}: serves the new certificate on port ${a.httpsPort}`);
  } catch (error) {
    const restored = await restore(host, paths, a, reloaded);
    throw new Error(`${host.label}: ${(error as Error).message}\n${restored}`);
  }
}

async function restore(host: Host, paths: CertPaths, a: Activation, reload: boolean): Promise<string> {
  try {
    await host.session.exec(restoreArgv(paths));
    if (reload) await host.session.exec(a.reloadCommand);
    return `${host.label}: the previous certificate files were put back${reload ? ' and nginx reloaded' : ' (nginx was not reloaded)'}.`;
  } catch (error) {
    return `${host.label}: RESTORING THE PREVIOUS FILES FAILED, check ${paths.live.chain} by hand: ${(error as Error).message}`;
  }
}
