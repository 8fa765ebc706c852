import type { Finding, ScanReport, Severity } from './trivy-report';

/**
 * SARIF 2.1.0 in the shape Trivy's own `--format sarif` writes (rules keyed by
 * vulnerability ID, `security-severity` for GitHub code scanning), built from the
 * findings that passed our filters: Trivy's SARIF ignores `--severity`, so uploading it
 * would show everything the gate was told to ignore.
 */
export interface Sarif {
  version: '2.1.0';
  $schema: string;
  runs: {
    tool: {
      driver: { name: string; fullName: string; informationUri: string; version: string; rules: SarifRule[] };
    };
    results: SarifResult[];
    columnKind: string;
    originalUriBaseIds: Record<string, { uri: string }>;
  }[];
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: Level };
  helpUri?: string;
  help: { text: string; markdown: string };
  properties: { precision: string; 'security-severity': string; tags: string[] };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
    message: { text: string };
  }[];
}

type Level = 'error' | 'warning' | 'note' | 'none';

const LEVEL: Record<Severity, Level> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  UNKNOWN: 'note',
};
/** Trivy's fallback `security-severity` when no CVSS score is known. */
const FALLBACK_SCORE: Record<Severity, string> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '2.0',
  UNKNOWN: '0.0',
};

export const SARIF_SCHEMA =
  'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json';

export function toSarif(report: ScanReport, findings: Finding[]): Sarif {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: SarifResult[] = [];
  for (const finding of findings) {
    if (!ruleIndex.has(finding.id)) {
      ruleIndex.set(finding.id, rules.length);
      rules.push(rule(finding));
    }
    results.push(result(finding, ruleIndex.get(finding.id)!, report.artifactName));
  }
  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: {
          driver: {
            name: 'Trivy',
            fullName: 'Trivy Vulnerability Scanner',
            informationUri: 'https://github.com/aquasecurity/trivy',
            version: report.trivyVersion ?? 'unknown',
            rules,
          },
        },
        results,
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { ROOTPATH: { uri: 'file:///' } },
      },
    ],
  };
}

function rule(finding: Finding): SarifRule {
  const summary = finding.title || finding.id;
  const table = `| Severity | Package | Fixed Version | Link |\n| --- | --- | --- | --- |\n|${finding.severity}|${finding.pkg}|${finding.fixed}|[${finding.id}](${finding.url ?? ''})|`;
  return {
    id: finding.id,
    name:
      finding.targetClass === 'os-pkgs' ? 'OsPackageVulnerability' : 'LanguageSpecificPackageVulnerability',
    shortDescription: { text: summary },
    fullDescription: { text: finding.description || summary },
    defaultConfiguration: { level: LEVEL[finding.severity] },
    ...(finding.url ? { helpUri: finding.url } : {}),
    help: {
      text: `Vulnerability ${finding.id}\nSeverity: ${finding.severity}\nPackage: ${finding.pkg}\nFixed Version: ${finding.fixed}\nLink: [${finding.id}](${finding.url ?? ''})\n${finding.description ?? ''}`,
      markdown: `**Vulnerability ${finding.id}**\n${table}\n\n${finding.description ?? ''}`,
    },
    properties: {
      precision: 'very-high',
      'security-severity':
        finding.cvss !== undefined ? finding.cvss.toFixed(1) : FALLBACK_SCORE[finding.severity],
      tags: ['vulnerability', 'security', finding.severity],
    },
  };
}

function result(finding: Finding, index: number, artifactName: string): SarifResult {
  // Like Trivy: OS packages point at the image itself, language packages at their lock file.
  const uri = finding.targetClass === 'os-pkgs' && artifactName ? artifactName : finding.target;
  return {
    ruleId: finding.id,
    ruleIndex: index,
    level: LEVEL[finding.severity],
    message: {
      text: `Package: ${finding.pkg}\nInstalled Version: ${finding.installed}\nVulnerability ${finding.id}\nSeverity: ${finding.severity}\nFixed Version: ${finding.fixed}\nLink: [${finding.id}](${finding.url ?? ''})`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri, uriBaseId: 'ROOTPATH' },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
        },
        message: { text: `${uri}: ${finding.pkg}@${finding.installed}` },
      },
    ],
  };
}
