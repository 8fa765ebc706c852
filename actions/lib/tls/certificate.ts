import { createPrivateKey, X509Certificate } from 'node:crypto';

/** What the renewal decision and the summary need to know about an installed certificate. */
export interface CertificateInfo {
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex, as OpenSSL prints it. */
  serial: string;
  fingerprint256: string;
  /** Self-signed: the placeholder a host is set up with before its first issuance. */
  selfSigned: boolean;
  /** Which of the wanted names the certificate does not cover. */
  missingNames: string[];
  /** ARI CertID (RFC 9773 §4.1): base64url(AKI keyIdentifier) "." base64url(serial); undefined without an AKI. */
  ariCertId?: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle, leaf first. Throws when there is none. */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  return blocks.map((block) => new X509Certificate(block));
}

export function describeCertificate(pem: string, domains: string[]): CertificateInfo {
  const [leaf] = parseChain(pem) as [X509Certificate];
  return {
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serial: leaf.serialNumber.toUpperCase(),
    fingerprint256: leaf.fingerprint256,
    selfSigned: leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey),
    missingNames: domains.filter((name) => leaf.checkHost(name) === undefined),
    ariCertId: ariCertId(leaf),
  };
}

/**
 * Everything that must hold before a key + chain pair may replace the live one: the key
 * is the certificate's key, each certificate is issued and signed by the next, the leaf
 * is valid now and covers every domain. Returns the problems (empty when fine), never
 * any key material.
 */
export function checkPair(keyPem: string, chainPem: string, domains: string[], now = new Date()): string[] {
  let chain: X509Certificate[];
  try {
    chain = parseChain(chainPem);
  } catch (error) {
    return [`the chain does not parse (${error instanceof Error ? error.message : 'unknown error'})`];
  }
  const problems: string[] = [];
  const leaf = chain[0]!;
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem)))
      problems.push('the private key does not match the certificate');
  } catch {
    problems.push('the private key does not parse');
  }
  for (let i = 0; i + 1 < chain.length; i += 1) {
    const [child, parent] = [chain[i]!, chain[i + 1]!];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      problems.push(`certificate #${i + 1} of the chain is not signed by certificate #${i + 2}`);
    }
  }
  if (chain.length < 2) problems.push('the chain holds no intermediate certificate');
  if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo))
    problems.push('the certificate is not valid now');
  const missing = domains.filter((name) => leaf.checkHost(name) === undefined);
  if (missing.length > 0) problems.push(`the certificate does not cover ${missing.join(', ')}`);
  return problems;
}

// --- a minimal DER reader, for the two fields node:crypto does not expose (AKI, serial bytes)

interface Tlv {
  tag: number;
  /** Content bytes. */
  value: Buffer;
}

function readTlvs(der: Buffer): Tlv[] {
  const items: Tlv[] = [];
  let offset = 0;
  while (offset < der.length) {
    const tag = der[offset]!;
    let length = der[offset + 1]!;
    let header = 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 4) throw new Error('unsupported DER length');
      length = der.readUIntBE(offset + 2, bytes);
      header += bytes;
    }
    const end = offset + header + length;
    if (end > der.length) throw new Error('truncated DER');
    items.push({ tag, value: der.subarray(offset + header, end) });
    offset = end;
  }
  return items;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OID = 0x06;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3; // [3] EXPLICIT in TBSCertificate
const KEY_IDENTIFIER = 0x80; // [0] IMPLICIT in AuthorityKeyIdentifier
const AKI_OID = Buffer.from([0x55, 0x1d, 0x23]); // 2.5.29.35

function ariCertId(cert: X509Certificate): string | undefined {
  try {
    const [certificate] = readTlvs(cert.raw);
    const [tbs] = readTlvs(certificate!.value);
    const fields = readTlvs(tbs!.value);
    const serial = fields.find((f) => f.tag === INTEGER);
    const extensions = fields.find((f) => f.tag === EXTENSIONS);
    if (!serial || !extensions) return undefined;
    const [list] = readTlvs(extensions.value);
    for (const extension of readTlvs(list!.value)) {
      if (extension.tag !== SEQUENCE) continue;
      const parts = readTlvs(extension.value);
      if (parts[0]?.tag !== OID || !parts[0].value.equals(AKI_OID)) continue;
      const octets = parts.find((p) => p.tag === OCTET_STRING);
      const [aki] = readTlvs(octets!.value);
      const keyId = readTlvs(aki!.value).find((p) => p.tag === KEY_IDENTIFIER);
      if (!keyId) return undefined;
      return `${keyId.value.toString('base64url')}.${serial.value.toString('base64url')}`;
    }
    return undefined;
  } catch {
    return undefined;
  }
}
