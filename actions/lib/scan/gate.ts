import { SEVERITIES, type Finding, type Severity } from './trivy-report';

export interface GatePolicy {
  /** Severities that fail the gate. */
  severities: Severity[];
  /** Leave out findings without a fixed version (nothing to upgrade to yet). */
  ignoreUnfixed: boolean;
}

export interface GateResult {
  /** Findings after `ignoreUnfixed`, every severity: what the counts describe. */
  considered: Finding[];
  /** Findings that fail the gate: `considered` at the gated severities, worst first. */
  blocking: Finding[];
  counts: Record<Severity, number>;
  passed: boolean;
}

/**
 * A finding is fixable when Trivy names a fixed version (its status is then `fixed`);
 * `affected`, `will_not_fix`, `fix_deferred`, `end_of_life` and friends have none.
 * This is what `trivy --ignore-unfixed` keeps.
 */
export function isFixable(finding: Finding): boolean {
  return finding.fixed.trim() !== '' || finding.status === 'fixed';
}

export function applyGate(findings: Finding[], policy: GatePolicy): GateResult {
  const considered = policy.ignoreUnfixed ? findings.filter(isFixable) : [...findings];
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const finding of considered) counts[finding.severity] += 1;
  const blocking = sortBySeverity(considered.filter((f) => policy.severities.includes(f.severity)));
  return { considered, blocking, counts, passed: blocking.length === 0 };
}

/** Worst first; ties by CVSS score (highest first), then by ID for a stable order. */
export function sortBySeverity(findings: Finding[]): Finding[] {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return [...findings].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) || (b.cvss ?? 0) - (a.cvss ?? 0) || a.id.localeCompare(b.id),
  );
}

/** Parses `CRITICAL,HIGH` (any case, comma or newline separated); undefined when a name is unknown. */
export function parseSeverities(items: string[]): Severity[] | undefined {
  const upper = items.map((item) => item.toUpperCase());
  if (upper.length === 0 || !upper.every((s) => (SEVERITIES as readonly string[]).includes(s)))
    return undefined;
  return SEVERITIES.filter((s) => upper.includes(s));
}
