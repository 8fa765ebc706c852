import { connect } from 'node:tls';
import { sleep } from '../system/retry';

/** The DER certificate a TLS server presents for `servername` (trust is not checked here: only identity). */
export function servedCertificate(
  host: string,
  port: number,
  servername: string,
  timeoutMs = 10_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.raw) reject(new Error(`${host}:${port} presented no certificate`));
      else resolve(cert.raw);
    });
    socket.on('timeout', () => socket.destroy(new Error(`TLS handshake with ${host}:${port} timed out`)));
    socket.on('error', reject);
  });
}

/**
 * Waits until the server presents `expected` for every name on `stableRounds` rounds in a row:
 * a reload replaces nginx's workers gradually, so for a moment a connection may still reach an
 * old worker — one good answer is not proof that every new connection gets the new certificate.
 */
export async function waitForServedCertificate(
  host: string,
  port: number,
  names: string[],
  expected: Buffer,
  { attempts = 20, delayMs = 500, stableRounds = 3, stableDelayMs = 200 } = {},
): Promise<void> {
  let last = '';
  let goodRounds = 0;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const results = await Promise.all(
      names.map((name) =>
        servedCertificate(host, port, name).then(
          (raw) => (raw.equals(expected) ? undefined : `${name}: a different certificate`),
          (error: Error) => `${name}: ${error.message}`,
        ),
      ),
    );
    const wrong = results.filter((r): r is string => r !== undefined);
    goodRounds = wrong.length === 0 ? goodRounds + 1 : 0;
    if (goodRounds >= stableRounds) return;
    if (wrong.length > 0) last = wrong.join('; ');
    if (attempt < attempts) await sleep(goodRounds > 0 ? stableDelayMs : delayMs);
  }
  throw new Error(
    `${host}:${port} does not serve the new certificate steadily (${last || 'too few rounds'})`,
  );
}
