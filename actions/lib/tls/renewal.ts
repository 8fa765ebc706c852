// The steps of a renewal across the edge hosts: decide (ARI or the lifetime rule), order over ACME
// with HTTP-01 answered on every host, install host by host with automatic restore.
import type { Core } from '../action/core';
import { formatDuration } from '../action/duration';
import { errorMessage } from '../action/run';
import { maskSecret } from '../action/secrets';
import type { IssueFn, Issued } from './acme';
import { fetchDirectory, fetchRenewalWindow, renewalInfoUrl } from './ari';
import { parseChain, type CertificateInfo } from './certificate';
import {
  decideRenewal,
  earliestExpiring,
  type Decision,
  type Installed,
  type RenewalWindow,
} from './decision';
import { activate, discardStaged, stage, WebrootResponder, type Host } from './hosts';
import type { CertPaths } from './paths';

type Log = Pick<Core, 'info' | 'warning' | 'group' | 'setSecret'>;

export interface RenewalPolicy {
  acmeDirectory: string;
  force: boolean;
  renewBefore: 'auto' | number;
}

/** Renew or keep: asks the CA's ARI for the certificate expiring first when the policy is `auto`. */
export async function decide(
  log: Log,
  policy: RenewalPolicy,
  installed: Installed[],
  now: Date,
): Promise<Decision> {
  const current = earliestExpiring(installed);
  let window: RenewalWindow | undefined;
  let noWindowBecause: string | undefined;
  if (policy.renewBefore === 'auto' && !policy.force && current) {
    ({ window, noWindowBecause } = await askAri(policy.acmeDirectory, current).catch((error: Error) => {
      log.warning(`ARI could not be read, using the lifetime rule: ${error.message}`);
      return { window: undefined, noWindowBecause: 'ARI could not be read' };
    }));
  }
  return decideRenewal({
    installed,
    now,
    force: policy.force,
    renewBefore: policy.renewBefore,
    window,
    noWindowBecause,
  });
}

async function askAri(
  directoryUrl: string,
  cert: CertificateInfo,
): Promise<{ window?: RenewalWindow; noWindowBecause?: string }> {
  const endpoint = renewalInfoUrl(await fetchDirectory(directoryUrl));
  if (!endpoint) return { noWindowBecause: 'the CA offers no ARI' };
  if (!cert.ariCertId) return { noWindowBecause: 'the certificate has no Authority Key Identifier for ARI' };
  return { window: await fetchRenewalWindow(endpoint, cert.ariCertId) };
}

export interface OrderRequest {
  acmeDirectory: string;
  accountKey: string;
  email?: string;
  domains: string[];
  webroot: string;
}

/** One ACME order, its HTTP-01 tokens published on every host and removed afterwards whatever happens. */
export async function order(
  log: Log,
  request: OrderRequest,
  hosts: Host[],
  decision: Decision,
  issue: IssueFn,
): Promise<Issued> {
  const directory = await fetchDirectory(request.acmeDirectory);
  const responder = new WebrootResponder(hosts, request.webroot);
  const started = Date.now();
  const replaces =
    renewalInfoUrl(directory) && decision.current?.ariCertId && !decision.current.selfSigned
      ? decision.current.ariCertId
      : undefined;
  try {
    const issued = await log.group(`ACME order for ${request.domains.join(', ')}`, () =>
      issue({
        directoryUrl: request.acmeDirectory,
        accountKey: request.accountKey,
        email: request.email,
        domains: request.domains,
        replaces,
        responder,
        log: (message) => log.info(message),
      }),
    );
    maskSecret(log, issued.keyPem);
    log.info(`Certificate issued in ${formatDuration(Date.now() - started)}`);
    return issued;
  } catch (error) {
    throw new Error(`The ACME order failed: ${errorMessage(error)}`);
  } finally {
    for (const problem of await responder.removeAll())
      log.warning(`Could not remove a challenge token: ${problem}`);
  }
}

export interface InstallOptions {
  domains: string[];
  testCommand: string[];
  reloadCommand: string[];
  httpsPort: number;
}

/**
 * Stages on every host first (nothing live changes unless every host has a checked pair), then
 * activates host by host; `onHost` hears each host's result. The first failing host stops it.
 */
export async function install(
  log: Log,
  hosts: Host[],
  paths: CertPaths,
  issued: Issued,
  options: InstallOptions,
  onHost: (host: string, result: string) => void,
): Promise<void> {
  const { domains, testCommand, reloadCommand, httpsPort } = options;
  const activation = { domains, testCommand, reloadCommand, httpsPort, log: (m: string) => log.info(m) };
  const expectedLeaf = parseChain(issued.chainPem)[0]!.raw;
  try {
    await Promise.all(hosts.map((h) => stage(h, paths, issued, domains)));
    log.info(`New key and chain staged and checked on ${hosts.length} host(s)`);
    for (const host of hosts) {
      try {
        await activate(host, paths, { ...activation, expectedLeaf });
        onHost(host.label, 'installed');
      } catch (error) {
        onHost(host.label, 'failed, previous certificate kept');
        throw error;
      }
    }
  } finally {
    await Promise.all(hosts.map((h) => discardStaged(h, paths)));
  }
}
