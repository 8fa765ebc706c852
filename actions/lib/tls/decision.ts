import type { CertificateInfo } from './certificate';

/** What one host has installed: its certificate, or why there is none to judge. */
export type Installed =
  { host: string; cert: CertificateInfo } | { host: string; cert?: undefined; problem: string };

/** ACME Renewal Information (RFC 9773): the CA's suggested window for renewing one certificate. */
export interface RenewalWindow {
  start: Date;
  end: Date;
  explanationUrl?: string;
}

export type Basis =
  | 'forced'
  | 'missing'
  | 'placeholder'
  | 'domains'
  | 'hosts-differ'
  | 'expired'
  | 'ari'
  | 'lifetime'
  | 'renew-before';

export interface Decision {
  renew: boolean;
  basis: Basis;
  /** One sentence for the log and the summary. */
  reason: string;
  /** The certificate the decision was about (the one expiring first), when every host has one. */
  current?: CertificateInfo;
}

export interface DecisionInput {
  installed: Installed[];
  now: Date;
  force: boolean;
  /** `auto`, or renew when less than this many ms remain. */
  renewBefore: 'auto' | number;
  /** The CA's window for `current`, when it offers ARI (only consulted in `auto`). */
  window?: RenewalWindow;
  /** Why there is no window (the CA offers no ARI, or asking failed): said in the reason. */
  noWindowBecause?: string;
}

/** Renew when less than this fraction of the lifetime remains (Let's Encrypt's and Caddy's 1/3). */
export const LIFETIME_FRACTION = 1 / 3;

const DAY = 86_400_000;

/** The certificate the renewal is judged on: the one that expires first across hosts. */
export function earliestExpiring(installed: Installed[]): CertificateInfo | undefined {
  const certs = installed.flatMap((i) => (i.cert ? [i.cert] : []));
  return certs.sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())[0];
}

/**
 * Decides whether to renew, in order: forced; a host without a usable certificate, a
 * placeholder, missing names or hosts serving different certificates (all mean: issue
 * now); expired; then ARI's window (auto, when the CA offers one), else the lifetime
 * fraction (auto), or the fixed `renew-before` duration.
 */
export function decideRenewal(input: DecisionInput): Decision {
  const { installed, now } = input;
  const current = earliestExpiring(installed);
  const decide = (renew: boolean, basis: Basis, reason: string): Decision => ({
    renew,
    basis,
    reason,
    ...(current ? { current } : {}),
  });

  if (input.force) return decide(true, 'forced', 'renewal forced by the `force` input');
  const absent = installed.find((i) => !i.cert);
  if (absent && !absent.cert) return decide(true, 'missing', `${absent.host}: ${absent.problem}`);
  const placeholder = installed.find((i) => i.cert?.selfSigned);
  if (placeholder)
    return decide(true, 'placeholder', `${placeholder.host} has a self-signed placeholder certificate`);
  const partial = installed.find((i) => (i.cert?.missingNames.length ?? 0) > 0);
  if (partial)
    return decide(
      true,
      'domains',
      `${partial.host}'s certificate does not cover ${partial.cert!.missingNames.join(', ')}`,
    );
  if (new Set(installed.map((i) => i.cert!.fingerprint256)).size > 1) {
    return decide(
      true,
      'hosts-differ',
      'the hosts hold different certificates; renewing puts the same one on all',
    );
  }
  if (!current) return decide(true, 'missing', 'no host was given');

  const remaining = current.notAfter.getTime() - now.getTime();
  if (remaining <= 0) return decide(true, 'expired', `the certificate expired on ${iso(current.notAfter)}`);
  if (typeof input.renewBefore === 'number') {
    const due = remaining < input.renewBefore;
    return decide(
      due,
      'renew-before',
      `${days(remaining)} left, renewing when less than ${days(input.renewBefore)} remain`,
    );
  }
  if (input.window) {
    const { start, end } = input.window;
    const due = now >= start;
    const window = `${iso(start)} – ${iso(end)}`;
    return decide(
      due,
      'ari',
      due
        ? `now is inside (or past) the CA's ARI renewal window ${window}`
        : `the CA's ARI renewal window starts ${iso(start)} (${window})`,
    );
  }
  const lifetime = current.notAfter.getTime() - current.notBefore.getTime();
  const fraction = lifetime > 0 ? remaining / lifetime : 0;
  const due = fraction < LIFETIME_FRACTION;
  const renewAt = new Date(current.notAfter.getTime() - lifetime * LIFETIME_FRACTION);
  return decide(
    due,
    'lifetime',
    `${percent(fraction)} of the lifetime (${days(remaining)} of ${days(lifetime)}) remains; renewing below ${percent(LIFETIME_FRACTION)}${due ? '' : `, from ${iso(renewAt)}`}${input.noWindowBecause ? ` (${input.noWindowBecause})` : ''}`,
  );
}

function days(ms: number): string {
  const value = ms / DAY;
  return `${value >= 10 ? Math.floor(value) : value.toFixed(1)} days`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whole days from `now` to `date` (negative once past), for the `days-remaining` output. */
export function daysRemaining(date: Date, now: Date): number {
  return Math.floor((date.getTime() - now.getTime()) / DAY);
}
