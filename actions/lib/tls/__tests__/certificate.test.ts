import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEndsAt, intermediateSki, makePki, type Pki } from '../../../../test/pki';
import { checkPair, describeCertificate, parseChain } from '../certificate';

const DOMAINS = ['contextai.test', 'www.contextai.test'];
let pki: Pki;

beforeAll(() => {
  pki = makePki(DOMAINS);
});
afterAll(() => pki.cleanup());

describe('checkPair', () => {
  it('accepts a matching key with a chain that verifies and covers every name', () => {
    expect(checkPair(pki.leafKeyPem, pki.chainPem, DOMAINS)).toEqual([]);
  });

  it('refuses a key that is not the certificate key, without printing either', () => {
    const problems = checkPair(pki.otherKeyPem, pki.chainPem, DOMAINS);
    expect(problems).toEqual(['the private key does not match the certificate']);
    expect(problems.join()).not.toContain('PRIVATE KEY');
  });

  it('refuses a chain whose links do not verify, or that has no intermediate', () => {
    expect(checkPair(pki.leafKeyPem, pki.leafPem + pki.rootPem, DOMAINS)).toContain(
      'certificate #1 of the chain is not signed by certificate #2',
    );
    expect(checkPair(pki.leafKeyPem, pki.leafPem, DOMAINS)).toContain(
      'the chain holds no intermediate certificate',
    );
  });

  it('refuses names the certificate does not cover, expiry and garbage', () => {
    expect(checkPair(pki.leafKeyPem, pki.chainPem, [...DOMAINS, 'api.contextai.test'])).toEqual([
      'the certificate does not cover api.contextai.test',
    ]);
    expect(
      checkPair(pki.leafKeyPem, pki.chainPem, DOMAINS, new Date(Date.now() + 200 * 86_400_000)),
    ).toContain('the certificate is not valid now');
    expect(checkPair('not a key', pki.chainPem, DOMAINS)).toContain('the private key does not parse');
    expect(checkPair(pki.leafKeyPem, 'nothing', DOMAINS)[0]).toMatch(/^the chain does not parse/);
  });
});

describe('describeCertificate', () => {
  it('reads dates, serial, names and whether it is a self-signed placeholder', () => {
    const info = describeCertificate(pki.chainPem, [...DOMAINS, 'other.test']);
    expect(info.serial).toBe('87654321');
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(90 * 86_400_000);
    expect(info.missingNames).toEqual(['other.test']);
    expect(info.selfSigned).toBe(false);
    expect(describeCertificate(pki.rootPem, []).selfSigned).toBe(true);
  });

  it('builds the ARI CertID from the AKI key id and the DER serial (RFC 9773 §4.1)', () => {
    // The RFC's example serial 0x87654321 encodes as 00 87 65 43 21 -> "AIdlQyE".
    const { ariCertId } = describeCertificate(pki.leafPem, DOMAINS);
    expect(ariCertId).toBe(`${intermediateSki(pki).toString('base64url')}.AIdlQyE`);
  });

  it('parses a chain in order and checks it against a root', () => {
    expect(parseChain(pki.chainPem)).toHaveLength(2);
    expect(chainEndsAt(pki.chainPem, pki.rootPem)).toBe(true);
    expect(chainEndsAt(pki.chainPem, pki.intermediatePem)).toBe(false);
  });
});
