import { describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../certificate';
import { daysRemaining, decideRenewal, type DecisionInput, type Installed } from '../decision';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');

function cert(
  over: Partial<CertificateInfo> & { issuedDaysAgo?: number; lifetimeDays?: number } = {},
): CertificateInfo {
  const { issuedDaysAgo = 10, lifetimeDays = 90, ...rest } = over;
  const notBefore = new Date(NOW.getTime() - issuedDaysAgo * DAY);
  return {
    notBefore,
    notAfter: new Date(notBefore.getTime() + lifetimeDays * DAY),
    serial: 'AB12',
    fingerprint256: 'FP-1',
    selfSigned: false,
    missingNames: [],
    ariCertId: 'aki.serial',
    ...rest,
  };
}

const on = (...certs: CertificateInfo[]): Installed[] =>
  certs.map((c, i) => ({ host: `web${i + 1}`, cert: c }));
const decide = (over: Partial<DecisionInput>) =>
  decideRenewal({ installed: on(cert()), now: NOW, force: false, renewBefore: 'auto', ...over });

describe('decideRenewal: lifetime fraction (no ARI)', () => {
  it('keeps a 90-day certificate with more than 1/3 left and says from when it renews', () => {
    const d = decide({ installed: on(cert({ issuedDaysAgo: 59 })), noWindowBecause: 'the CA offers no ARI' });
    expect(d).toMatchObject({ renew: false, basis: 'lifetime' });
    expect(d.reason).toBe(
      '34% of the lifetime (31 days of 90 days) remains; renewing below 33%, from 2026-06-02T00:00:00Z (the CA offers no ARI)',
    );
  });

  it('renews a 90-day certificate with less than 1/3 (30 days) left', () => {
    expect(decide({ installed: on(cert({ issuedDaysAgo: 61 })) })).toMatchObject({
      renew: true,
      basis: 'lifetime',
    });
  });

  it('scales to 6-day certificates: renews after 4 days, not after 3', () => {
    expect(decide({ installed: on(cert({ lifetimeDays: 6, issuedDaysAgo: 3 })) }).renew).toBe(false);
    const due = decide({ installed: on(cert({ lifetimeDays: 6, issuedDaysAgo: 4.1 })) });
    expect(due).toMatchObject({ renew: true, basis: 'lifetime' });
    expect(due.reason).toContain('(1.9 days of 6.0 days)');
  });

  it('renews an expired certificate whatever the rule', () => {
    expect(decide({ installed: on(cert({ issuedDaysAgo: 91 })), renewBefore: 5 * DAY })).toMatchObject({
      renew: true,
      basis: 'expired',
    });
  });
});

describe('decideRenewal: ARI', () => {
  const window = (startInDays: number, endInDays: number) => ({
    start: new Date(NOW.getTime() + startInDays * DAY),
    end: new Date(NOW.getTime() + endInDays * DAY),
  });

  it('renews inside the window even when the lifetime rule would wait (e.g. a revocation)', () => {
    const d = decide({ window: window(-1, 1) });
    expect(d).toMatchObject({ renew: true, basis: 'ari' });
    expect(d.reason).toContain("inside (or past) the CA's ARI renewal window");
  });

  it('renews once the window is past', () => {
    expect(decide({ window: window(-3, -1) }).renew).toBe(true);
  });

  it('waits before the window even when the lifetime rule would renew', () => {
    const d = decide({ installed: on(cert({ issuedDaysAgo: 70 })), window: window(2, 4) });
    expect(d).toMatchObject({ renew: false, basis: 'ari' });
    expect(d.reason).toContain('starts 2026-06-03T00:00:00Z');
  });

  it('is ignored when renew-before is a duration', () => {
    expect(decide({ window: window(-1, 1), renewBefore: 30 * DAY })).toMatchObject({
      renew: false,
      basis: 'renew-before',
    });
  });
});

describe('decideRenewal: renew-before duration', () => {
  it('renews when less than the duration remains', () => {
    expect(decide({ installed: on(cert({ issuedDaysAgo: 61 })), renewBefore: 30 * DAY })).toMatchObject({
      renew: true,
      basis: 'renew-before',
    });
    const d = decide({ installed: on(cert({ issuedDaysAgo: 59 })), renewBefore: 30 * DAY });
    expect(d).toMatchObject({ renew: false, basis: 'renew-before' });
    expect(d.reason).toBe('31 days left, renewing when less than 30 days remain');
  });
});

describe('decideRenewal: reasons to issue now', () => {
  it('forced wins over everything', () => {
    expect(decide({ force: true })).toMatchObject({ renew: true, basis: 'forced' });
  });

  it('a host without a certificate', () => {
    const d = decide({
      installed: [...on(cert()), { host: 'web2', problem: 'no certificate at /etc/ssl/x/fullchain.pem' }],
    });
    expect(d).toMatchObject({
      renew: true,
      basis: 'missing',
      reason: 'web2: no certificate at /etc/ssl/x/fullchain.pem',
    });
  });

  it('a self-signed placeholder', () => {
    expect(decide({ installed: on(cert({ selfSigned: true, issuedDaysAgo: 0 })) })).toMatchObject({
      renew: true,
      basis: 'placeholder',
    });
  });

  it('a name the certificate does not cover', () => {
    expect(decide({ installed: on(cert({ missingNames: ['api.contextai.com'] })) })).toMatchObject({
      renew: true,
      basis: 'domains',
    });
  });

  it('hosts holding different certificates; otherwise the earliest expiry is judged', () => {
    const a = cert({ fingerprint256: 'A', issuedDaysAgo: 10 });
    expect(decide({ installed: on(a, cert({ fingerprint256: 'B', issuedDaysAgo: 20 })) })).toMatchObject({
      renew: true,
      basis: 'hosts-differ',
    });
    const same = decide({ installed: on(a, a) });
    expect(same).toMatchObject({ renew: false, current: a });
  });
});

describe('daysRemaining', () => {
  it('counts whole days, negative once expired', () => {
    expect(daysRemaining(new Date(NOW.getTime() + 2.9 * DAY), NOW)).toBe(2);
    expect(daysRemaining(new Date(NOW.getTime() - 0.5 * DAY), NOW)).toBe(-1);
  });
});
