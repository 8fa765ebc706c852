import { randomBytes } from 'node:crypto';
import type { Core } from '../../lib/action/core';
import { redact } from '../../lib/action/secrets';
import { withFailureAlert } from '../../lib/alert/failure';
import { formatHost } from '../../lib/ssh/known-hosts';
import { issueCertificate, type IssueFn } from '../../lib/tls/acme';
import { describeCertificate, type CertificateInfo } from '../../lib/tls/certificate';
import { daysRemaining } from '../../lib/tls/decision';
import { closeAll, connectAll, readInstalled } from '../../lib/tls/hosts';
import { certPaths } from '../../lib/tls/paths';
import { decide, install, order } from '../../lib/tls/renewal';
import { readInputs, type SslRenewInputs } from './inputs';
import { writeRenewalSummary, type Report } from './summary';

/** The steps a test may replace (e.g. an issuer that returns a key not matching its certificate). */
export interface Steps {
  issue: IssueFn;
  now: () => Date;
}

const DEFAULT_STEPS: Steps = { issue: issueCertificate, now: () => new Date() };

export async function main(core: Core, steps: Steps = DEFAULT_STEPS): Promise<void> {
  const inputs = readInputs(core);
  const hosts = inputs.hosts.map(formatHost);
  const report: Report = { domains: inputs.domains, hosts, startedAt: Date.now(), hostResults: [] };
  const alert = {
    slack: inputs.slack,
    what: 'ssl-renew failed',
    subject: `${inputs.domains.join(', ')} on ${hosts.join(', ')}`,
    note: 'The previous certificate stays in place.',
    scrub: (text: string) => redact(text, [inputs.accountKey, inputs.privateKey, inputs.slack?.token]),
    log: core,
  };
  try {
    await withFailureAlert(alert, () => renew(core, inputs, steps, report));
  } catch (error) {
    report.error = (error as Error).message;
    throw error;
  } finally {
    core.setOutput('renewed', String(report.renewed === true));
    await writeRenewalSummary(core, report);
  }
}

async function renew(core: Core, inputs: SslRenewInputs, steps: Steps, report: Report): Promise<void> {
  const runId = process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_RUN_ID}-${randomHex()}` : randomHex();
  const paths = certPaths(inputs.certDir, runId);
  const hosts = await connectAll(inputs);
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
    const issued = await order(core, inputs, hosts, decision, steps.issue);
    const newCert = describeCertificate(issued.chainPem, inputs.domains);
    await install(core, hosts, paths, issued, inputs, (host, result) =>
      report.hostResults.push({ host, result }),
    );
    report.renewed = true;
    report.newNotAfter = newCert.notAfter;
    setCertificateOutputs(core, newCert, steps.now());
  } finally {
    closeAll(hosts);
  }
}

function setCertificateOutputs(core: Core, cert: CertificateInfo, now: Date): void {
  core.setOutput('not-after', cert.notAfter.toISOString());
  core.setOutput('days-remaining', String(daysRemaining(cert.notAfter, now)));
  core.setOutput('serial', cert.serial);
}

function randomHex(): string {
  return randomBytes(4).toString('hex');
}
