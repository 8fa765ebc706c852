import * as acme from 'acme-client';
import { explainNetworkError, safeAddress } from '../system/network-error';
import { CA_UNREACHABLE_HINT } from './ari';

/** Where HTTP-01 tokens go: every host's webroot, so whichever host the CA reaches can answer. */
export interface ChallengeResponder {
  publish(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface IssueRequest {
  directoryUrl: string;
  accountKey: string;
  email?: string;
  domains: string[];
  /** ARI CertID of the certificate this order replaces (RFC 9773 §5), when the CA offers ARI. */
  replaces?: string;
  responder: ChallengeResponder;
  log: (message: string) => void;
}

export interface Issued {
  /** Leaf first, then the intermediates, PEM. */
  chainPem: string;
  /** The new private key, PEM (PKCS#8). Never logged. */
  keyPem: string;
}

export type IssueFn = (request: IssueRequest) => Promise<Issued>;

/** Tokens are base64url (RFC 8555 §8.3); anything else must never become a path on a host. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

// acme-client retries connection errors and 5xx five times with growing delays (75 s in all);
// the directory was already fetched, so fewer retries fail a broken run sooner.
const axiosDefaults = acme.axios.defaults as unknown as { acmeSettings: Record<string, number> };
axiosDefaults.acmeSettings = { ...axiosDefaults.acmeSettings, retryMaxAttempts: 2, retryDefaultDelay: 2 };

/**
 * One ACME order, by hand rather than `client.auto()`: each HTTP-01 token is published
 * through the responder (every host's webroot over SSH), validated by the CA, and the
 * order finalized with a CSR for a fresh ECDSA P-256 key. Tokens are removed by the caller.
 */
export async function issueCertificate(request: IssueRequest): Promise<Issued> {
  const ca = {
    name: 'ACME server',
    address: safeAddress(request.directoryUrl),
    hint: CA_UNREACHABLE_HINT,
  };
  try {
    return await issue(request);
  } catch (error) {
    throw explainNetworkError(error, ca); // the directory answered (ari.ts) but a later request failed
  }
}

async function issue(request: IssueRequest): Promise<Issued> {
  const { domains, log } = request;
  const client = new acme.Client({
    directoryUrl: request.directoryUrl,
    accountKey: request.accountKey,
    backoffAttempts: 8,
    backoffMin: 1_000,
    backoffMax: 10_000,
  });
  await client.createAccount({
    termsOfServiceAgreed: true,
    ...(request.email ? { contact: [`mailto:${request.email}`] } : {}),
  });
  log(`ACME account ready (${client.getAccountUrl()})`);

  const order = await createOrder(client, domains, request.replaces, log);
  for (const authz of await client.getAuthorizations(order)) {
    const name = authz.identifier.value;
    if (authz.status === 'valid') {
      log(`${name}: already authorized`);
      continue;
    }
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    if (!challenge) throw new Error(`${name}: the CA offers no http-01 challenge`);
    if (!TOKEN.test(challenge.token)) throw new Error(`${name}: the CA sent a malformed challenge token`);
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    await request.responder.publish(challenge.token, keyAuthorization);
    log(`${name}: token published on every host, asking the CA to validate`);
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
    log(`${name}: validated`);
  }

  const keyPem = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  const [, csr] = await acme.crypto.createCsr({ commonName: domains[0], altNames: domains }, keyPem);
  const finalized = await client.finalizeOrder(order, csr);
  const chainPem = await client.getCertificate(finalized);
  log('order finalized, certificate downloaded');
  return { chainPem, keyPem };
}

async function createOrder(
  client: acme.Client,
  domains: string[],
  replaces: string | undefined,
  log: (m: string) => void,
) {
  const identifiers = domains.map((value) => ({ type: 'dns', value }));
  if (replaces) {
    try {
      return await client.createOrder({ identifiers, replaces } as Parameters<acme.Client['createOrder']>[0]);
    } catch (error) {
      // A CA may refuse `replaces` (already replaced, another account's certificate): order plainly.
      log(
        `the CA refused the order as a replacement (${error instanceof Error ? error.message : error}); ordering anew`,
      );
    }
  }
  return client.createOrder({ identifiers });
}
