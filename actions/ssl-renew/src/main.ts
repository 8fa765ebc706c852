import { randomBytes } from 'node:crypto';
import type { Core } from '../../common/src/core';
import { formatDuration } from '../../common/src/duration';
import { formatHost } from '../../common/src/known-hosts';
import { errorMessage } from '../../common/src/run';
import { maskSecret, redact } from '../../common/src/secrets';
import { notifySlack } from '../../common/src/slack';
import { issueCertificate, type IssueFn, type Issued } from './acme';
import { fetchDirectory, fetchRenewalWindow, renewalInfoUrl } from './ari';
import { describeCertificate, parseChain, type CertificateInfo } from './certificate';
import {
  daysRemaining,
  decideRenewal,
  earliestExpiring,
  type Decision,
  type Installed,
  type RenewalWindow,
} from './decision';
import {
  activate,
  closeAll,
  connectAll,
  discardStaged,
  readInstalled,
  stage,
  WebrootResponder,
  type Host,
} from './hosts';
import { readInputs, type SslRenewInputs } from './inputs';
import { certPaths, type CertPaths } from './paths';
import { writeReport, type Report } from './report';

/** The steps a test may replace (e.g. an issuer that returns a key not matching its certificate). */
export interface Steps {
  issue: IssueFn;
  now: () => Date;
}

const DEFAULT_STEPS: Steps = { issue: issueCertificate, now: () => new Date() };

export async function main(core: Core, steps: Steps = DEFAULT_STEPS): Promise<void> {
  const inputs = readInputs(core);
  const report: Report = {
    domains: inputs.domains,
    hosts: inputs.hosts.map(formatHost),
    startedAt: Date.now(),
    hostResults: [],
  };
  try {
    await renew(core, inputs, steps, report);
  } catch (error) {
    report.error = errorMessage(error);
    await alert(core, inputs, report.error);
    throw error;
  } finally {
    core.setOutput('renewed', String(report.renewed === true));
    await writeReport(core, report);
  }
}

async function renew(core: Core, inputs: SslRenewInputs, steps: Steps, report: Report): Promise<void> {
  const paths = certPaths(
    inputs.certDir,
    process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_RUN_ID}-${randomHex()}` : randomHex(),
  );
  const hosts = await connectAll(inputs.hosts, {
    username: inputs.user,
    privateKey: inputs.privateKey,
    knownHosts: inputs.knownHosts,
  });
  try {
    const installed = await Promise.all(hosts.map((h) => readInstalled(h, paths, inputs.domains)));
    for (const i of installed)
      core.info(
        i.cert
          ? `${i.host}: serial ${i.cert.serial}, expires ${i.cert.notAfter.toISOString()}`
          : `${i.host}: ${i.problem}`,
      );
    const decision = await decide(core, inputs, installed, steps.now());
    report.decision = decision;
    report.oldNotAfter = decision.current?.notAfter;
    core.info(`Decision: ${decision.renew ? 'renew' : 'keep'} (${decision.basis}): ${decision.reason}`);
    if (!decision.renew) {
      setCertificateOutputs(core, decision.current!, steps.now());
      return;
    }
    const issued = await order(core, inputs, steps, hosts, decision);
    const newCert = describeCertificate(issued.chainPem, inputs.domains);
    await install(core, inputs, hosts, paths, issued, report);
    report.renewed = true;
    report.newNotAfter = newCert.notAfter;
    setCertificateOutputs(core, newCert, steps.now());
  } finally {
    closeAll(hosts);
  }
}

async function decide(
  core: Core,
  inputs: SslRenewInputs,
  installed: Installed[],
  now: Date,
): Promise<Decision> {
  const current = earliestExpiring(installed);
  let window: RenewalWindow | undefined;
  let noWindowBecause: string | undefined;
  if (inputs.renewBefore === 'auto' && !inputs.force && current) {
    ({ window, noWindowBecause } = await askAri(inputs.acmeDirectory, current).catch((error: Error) => {
      core.warning(`ARI could not be read, using the lifetime rule: ${error.message}`);
      return { window: undefined, noWindowBecause: 'ARI could not be read' };
    }));
  }
  return decideRenewal({
    installed,
    now,
    force: inputs.force,
    renewBefore: inputs.renewBefore,
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

async function order(
  core: Core,
  inputs: SslRenewInputs,
  steps: Steps,
  hosts: Host[],
  decision: Decision,
): Promise<Issued> {
  const directory = await fetchDirectory(inputs.acmeDirectory);
  const responder = new WebrootResponder(hosts, inputs.webroot);
  const started = Date.now();
  try {
    const issued = await core.group(`ACME order for ${inputs.domains.join(', ')}`, () =>
      steps.issue({
        directoryUrl: inputs.acmeDirectory,
        accountKey: inputs.accountKey,
        email: inputs.email,
        domains: inputs.domains,
        replaces:
          renewalInfoUrl(directory) && decision.current?.ariCertId && !decision.current.selfSigned
            ? decision.current.ariCertId
            : undefined,
        responder,
        log: (message) => core.info(message),
      }),
    );
    maskSecret(core, issued.keyPem);
    core.info(`Certificate issued in ${formatDuration(Date.now() - started)}`);
    return issued;
  } catch (error) {
    throw new Error(`The ACME order failed: ${errorMessage(error)}`);
  } finally {
    for (const problem of await responder.removeAll())
      core.warning(`Could not remove a challenge token: ${problem}`);
  }
}

/** Stages on every host first (nothing live changes unless every host has a checked pair), then activates host by host. */
async function install(
  core: Core,
  inputs: SslRenewInputs,
  hosts: Host[],
  paths: CertPaths,
  issued: Issued,
  report: Report,
): Promise<void> {
  const expectedLeaf = parseChain(issued.chainPem)[0]!.raw;
  try {
    await Promise.all(hosts.map((h) => stage(h, paths, issued, inputs.domains)));
    core.info(`New key and chain staged and checked on ${hosts.length} host(s)`);
    for (const host of hosts) {
      try {
        await activate(host, paths, {
          testCommand: inputs.testCommand,
          reloadCommand: inputs.reloadCommand,
          httpsPort: inputs.httpsPort,
          domains: inputs.domains,
          expectedLeaf,
          log: (m) => core.info(m),
        });
        report.hostResults.push({ host: host.label, result: 'installed' });
      } catch (error) {
        report.hostResults.push({ host: host.label, result: 'failed, previous certificate kept' });
        throw error;
      }
    }
  } finally {
    await Promise.all(hosts.map((h) => discardStaged(h, paths)));
  }
}

function setCertificateOutputs(core: Core, cert: CertificateInfo, now: Date): void {
  core.setOutput('not-after', cert.notAfter.toISOString());
  core.setOutput('days-remaining', String(daysRemaining(cert.notAfter, now)));
  core.setOutput('serial', cert.serial);
}

async function alert(core: Core, inputs: SslRenewInputs, message: string): Promise<void> {
  if (!inputs.slack) return;
  const text = redact(
    `:rotating_light: ssl-renew failed for ${inputs.domains.join(', ')} on ${inputs.hosts.map(formatHost).join(', ')}. The previous certificate stays in place.\n${message}`,
    [inputs.accountKey, inputs.privateKey, inputs.slack.token],
  );
  try {
    await notifySlack({ token: inputs.slack.token, channel: inputs.slack.channel, text });
    core.info(`Alert sent to Slack ${inputs.slack.channel}`);
  } catch (error) {
    core.error(`The Slack alert could not be sent: ${errorMessage(error)}`);
  }
}

function randomHex(): string {
  return randomBytes(4).toString('hex');
}
