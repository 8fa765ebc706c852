// A throwaway PKI made with openssl for the TLS tests: root -> intermediate -> leaf, plus spare keys;
// and a check of where a chain ends.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  rootPem: string;
  intermediatePem: string;
  leafPem: string;
  leafKeyPem: string;
  otherKeyPem: string;
  /** Leaf + intermediate, as an ACME CA returns it. */
  chainPem: string;
  dir: string;
  cleanup(): void;
}

const openssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

function ecKey(dir: string, name: string): void {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
}

export function makePki(domains: string[], { serial = '0x87654321', days = 90 } = {}): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  for (const name of ['root.key', 'int.key', 'leaf.key', 'other.key']) ecKey(dir, name);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=Test Root',
    '-days',
    '30',
    '-out',
    'root.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['req', '-new', '-key', 'int.key', '-subj', '/CN=Test Intermediate', '-out', 'int.csr']);
  writeFileSync(
    join(dir, 'int.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'int.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-set_serial',
    '2',
    '-days',
    '30',
    '-extfile',
    'int.ext',
    '-out',
    'int.pem',
  ]);
  openssl(dir, ['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${domains[0]}`, '-out', 'leaf.csr']);
  writeFileSync(
    join(dir, 'leaf.ext'),
    `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}\nauthorityKeyIdentifier=keyid\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'int.pem',
    '-CAkey',
    'int.key',
    '-set_serial',
    serial,
    '-days',
    String(days),
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.pem',
  ]);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    rootPem: read('root.pem'),
    intermediatePem: read('int.pem'),
    leafPem: read('leaf.pem'),
    leafKeyPem: read('leaf.key'),
    otherKeyPem: read('other.key'),
    chainPem: read('leaf.pem') + read('int.pem'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The intermediate's Subject Key Identifier bytes, as openssl prints them (`AA:BB:...`). */
export function intermediateSki(pki: Pki): Buffer {
  const text = openssl(pki.dir, [
    'x509',
    '-in',
    'int.pem',
    '-noout',
    '-ext',
    'subjectKeyIdentifier',
  ]).toString();
  const hex = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(text)![1]!.replace(/:/g, '');
  return Buffer.from(hex, 'hex');
}

/** Whether the chain's last certificate is issued and signed by `root`. */
export function chainEndsAt(chainPem: string, rootPem: string): boolean {
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const root = new X509Certificate(rootPem);
  const top = new X509Certificate(blocks.at(-1) ?? '');
  return top.checkIssued(root) && top.verify(root.publicKey);
}
