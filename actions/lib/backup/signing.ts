// Manifest signatures: Ed25519 (Node's crypto) over the manifest's exact bytes, stored beside it as
// `<key>.manifest.json.sig`. Only the backup job holds the private key; restores and drills hold the
// public key(s), so write access to the bucket is not enough to forge a backup that passes.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const SIGNATURE_FORMAT = 'contextai.db-backup-signature/v1';

export interface SignatureFile {
  format: typeof SIGNATURE_FORMAT;
  algorithm: 'ed25519';
  /** Fingerprint of the public key that verifies it (`sha256:` + 16 hex of its SPKI DER). */
  key_id: string;
  /** base64 Ed25519 signature of the manifest's bytes. */
  signature: string;
}

/** An Ed25519 private key from PEM (PKCS#8, as `openssl genpkey -algorithm ed25519` writes); undefined otherwise. */
export function parseSigningKey(pem: string): KeyObject | undefined {
  try {
    const key = createPrivateKey(pem.trim());
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Every Ed25519 public key in a text of PEM blocks (`-----BEGIN PUBLIC KEY-----`); undefined when one is not. */
export function parsePublicKeys(text: string): KeyObject[] | undefined {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) return undefined;
  const keys: KeyObject[] = [];
  for (const block of blocks) {
    try {
      const key = createPublicKey(block);
      if (key.asymmetricKeyType !== 'ed25519') return undefined;
      keys.push(key);
    } catch {
      return undefined;
    }
  }
  return keys;
}

export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** The public half, as PEM (what restores and drills are given). */
export function publicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

export function signManifest(manifestText: string, privateKey: KeyObject): string {
  const file: SignatureFile = {
    format: SIGNATURE_FORMAT,
    algorithm: 'ed25519',
    key_id: keyId(privateKey),
    signature: sign(null, Buffer.from(manifestText, 'utf8'), privateKey).toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Throws unless `signatureText` is a signature of exactly `manifestText` by one of `publicKeys`.
 * `where` names the backup in the message.
 */
export function verifyManifest(
  manifestText: string,
  signatureText: string | undefined,
  publicKeys: KeyObject[],
  where: string,
): void {
  const refuse = (why: string) => {
    throw new Error(
      `The manifest of ${where} ${why}: refusing it before anything else (a forged or tampered backup, or the wrong public key; see docs/BACKUPS.md, "Signed manifests").`,
    );
  };
  if (signatureText === undefined) refuse('has no signature');
  let file: Partial<SignatureFile>;
  try {
    file = JSON.parse(signatureText!) as Partial<SignatureFile>;
  } catch {
    return refuse('has a signature file that is not JSON');
  }
  if (file.format !== SIGNATURE_FORMAT || file.algorithm !== 'ed25519' || typeof file.signature !== 'string')
    refuse(`has a signature file that is not ${SIGNATURE_FORMAT} (ed25519)`);
  const signature = Buffer.from(file.signature!, 'base64');
  const data = Buffer.from(manifestText, 'utf8');
  const key = publicKeys.find((k) => keyId(k) === file.key_id);
  if (!key)
    refuse(
      `is signed by key ${String(file.key_id)}, which is none of the trusted public keys (${publicKeys.map(keyId).join(', ')})`,
    );
  if (!verify(null, data, key!, signature)) refuse(`does not match its signature by ${String(file.key_id)}`);
}
