/** Trivy's severities, worst first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One vulnerable package in one target, flattened from Trivy's `Results[].Vulnerabilities[]`. */
export interface Finding {
  id: string;
  severity: Severity;
  pkg: string;
  installed: string;
  /** Empty when no fixed version exists (yet). */
  fixed: string;
  status?: string;
  title?: string;
  description?: string;
  url?: string;
  /** The scanned target (`image (alpine 3.10.2)`, `app/package-lock.json`). */
  target: string;
  /** `os-pkgs` or `lang-pkgs`. */
  targetClass?: string;
  /** CVSS v3 score from the source Trivy took the severity from (as Trivy's SARIF does), when known. */
  cvss?: number;
}

export interface ScanReport {
  artifactName: string;
  trivyVersion?: string;
  findings: Finding[];
}

interface TrivyVulnerability {
  VulnerabilityID?: string;
  PkgName?: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Status?: string;
  Severity?: string;
  Title?: string;
  Description?: string;
  PrimaryURL?: string;
  SeveritySource?: string;
  CVSS?: Record<string, { V3Score?: number }>;
}

interface TrivyJson {
  SchemaVersion?: number;
  ArtifactName?: string;
  Trivy?: { Version?: string };
  Results?: { Target?: string; Class?: string; Vulnerabilities?: TrivyVulnerability[] | null }[] | null;
}

/** Parses `trivy image --format json` output (schema version 2); throws on anything else. */
export function parseReport(text: string): ScanReport {
  let json: TrivyJson;
  try {
    json = JSON.parse(text) as TrivyJson;
  } catch (error) {
    throw new Error(`The Trivy report is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || json.SchemaVersion !== 2)
    throw new Error(
      `The Trivy report has schema version ${String(json?.SchemaVersion)}; this action reads version 2 (Trivy ≥ 0.20).`,
    );
  const findings: Finding[] = [];
  for (const result of json.Results ?? []) {
    for (const vuln of result.Vulnerabilities ?? [])
      findings.push(toFinding(vuln, result.Target ?? '', result.Class));
  }
  return { artifactName: json.ArtifactName ?? '', trivyVersion: json.Trivy?.Version, findings };
}

function toFinding(vuln: TrivyVulnerability, target: string, targetClass: string | undefined): Finding {
  const severity = (SEVERITIES as readonly string[]).includes(vuln.Severity ?? '')
    ? (vuln.Severity as Severity)
    : 'UNKNOWN';
  return {
    id: vuln.VulnerabilityID ?? 'UNKNOWN-ID',
    severity,
    pkg: vuln.PkgName ?? '',
    installed: vuln.InstalledVersion ?? '',
    fixed: vuln.FixedVersion ?? '',
    status: vuln.Status,
    title: vuln.Title,
    description: vuln.Description,
    url: vuln.PrimaryURL,
    target,
    targetClass,
    cvss: vuln.SeveritySource ? vuln.CVSS?.[vuln.SeveritySource]?.V3Score : undefined,
  };
}
