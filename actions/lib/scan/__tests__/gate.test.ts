// Parsing and gating on every real Trivy report in test/fixtures/trivy-reports. Expected counts are
// computed here straight from the JSON, independently of the action's code.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyGate, parseSeverities, sortBySeverity } from '../gate';
import { parseReport, SEVERITIES, type Severity } from '../trivy-report';
import { toSarif } from '../sarif';

const FIXTURES = resolve(import.meta.dirname, '../../../../test/fixtures/trivy-reports');
const reports = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));

interface RawVuln {
  VulnerabilityID: string;
  Severity: string;
  FixedVersion?: string;
}
function rawVulns(name: string): RawVuln[] {
  const json = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
  return (json.Results ?? []).flatMap((r: { Vulnerabilities?: RawVuln[] }) => r.Vulnerabilities ?? []);
}

const GATES: Severity[][] = [
  ['CRITICAL'],
  ['CRITICAL', 'HIGH'],
  ['CRITICAL', 'HIGH', 'MEDIUM'],
  ['LOW'],
  [...SEVERITIES],
];

describe.each(reports)('%s', (name) => {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  const raw = rawVulns(name);

  it('parses every vulnerability', () => {
    expect(raw.length).toBeGreaterThan(0);
    expect(parseReport(text).findings).toHaveLength(raw.length);
  });

  for (const severities of GATES) {
    for (const ignoreUnfixed of [false, true]) {
      it(`gates at ${severities.join(',')}, ignore-unfixed ${ignoreUnfixed}`, () => {
        const kept = raw.filter((v) => !ignoreUnfixed || (v.FixedVersion ?? '') !== '');
        const blocking = kept.filter((v) => (severities as string[]).includes(v.Severity));
        const gate = applyGate(parseReport(text).findings, { severities, ignoreUnfixed });
        expect(gate.blocking.map((f) => f.id).sort()).toEqual(blocking.map((v) => v.VulnerabilityID).sort());
        expect(gate.passed).toBe(blocking.length === 0);
        for (const severity of SEVERITIES)
          expect(gate.counts[severity], severity).toBe(kept.filter((v) => v.Severity === severity).length);

        const sarif = toSarif(parseReport(text), gate.blocking);
        expect(sarif.runs[0]!.results).toHaveLength(blocking.length);
        const ruleIds = sarif.runs[0]!.tool.driver.rules.map((r) => r.id);
        expect(ruleIds.sort()).toEqual([...new Set(blocking.map((v) => v.VulnerabilityID))].sort());
      });
    }
  }
});

describe('ignore-unfixed', () => {
  it('keeps exactly what trivy --ignore-unfixed kept for the same image', () => {
    const ours = applyGate(parseReport(readFileSync(join(FIXTURES, 'debian-buster.json'), 'utf8')).findings, {
      severities: [...SEVERITIES],
      ignoreUnfixed: true,
    });
    const trivys = parseReport(
      readFileSync(join(FIXTURES, 'debian-buster-ignore-unfixed.json'), 'utf8'),
    ).findings;
    expect(ours.considered.map((f) => `${f.id}/${f.pkg}`)).toEqual(trivys.map((f) => `${f.id}/${f.pkg}`));
  });

  it('drops will_not_fix findings too (centos-7)', () => {
    const findings = parseReport(readFileSync(join(FIXTURES, 'centos-7.json'), 'utf8')).findings;
    const gate = applyGate(findings, { severities: ['LOW'], ignoreUnfixed: true });
    expect(gate.blocking.map((f) => f.id)).toEqual(['CVE-2018-0734']);
  });
});

describe('SARIF', () => {
  const alpine = parseReport(readFileSync(join(FIXTURES, 'alpine-310.json'), 'utf8'));
  const trivySarif = JSON.parse(readFileSync(join(FIXTURES, 'alpine-310.sarif'), 'utf8'));

  it('has the SARIF 2.1.0 shape', () => {
    const sarif = toSarif(
      alpine,
      applyGate(alpine.findings, { severities: ['MEDIUM'], ignoreUnfixed: false }).blocking,
    );
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toContain('sarif-schema-2.1.0.json');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.name).toBe('Trivy');
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
      expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBeTruthy();
      expect(['error', 'warning', 'note']).toContain(result.level);
    }
  });

  it('matches the rules, levels, scores and locations of Trivy’s own SARIF for the same report', () => {
    const sarif = toSarif(alpine, alpine.findings);
    const pick = (s: typeof trivySarif) => ({
      rules: s.runs[0].tool.driver.rules.map(
        (r: {
          id: string;
          name: string;
          defaultConfiguration: unknown;
          properties: Record<string, unknown>;
        }) => [r.id, r.name, r.defaultConfiguration, r.properties['security-severity'], r.properties.tags],
      ),
      results: s.runs[0].results.map(
        (r: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: { physicalLocation: unknown; message: unknown }[];
        }) => [r.ruleId, r.ruleIndex, r.level, r.locations[0]!.physicalLocation, r.locations[0]!.message],
      ),
    });
    expect(pick(sarif)).toEqual(pick(trivySarif));
  });

  it('leaves out what the gate filtered, unlike trivy --format sarif', () => {
    const sarif = toSarif(
      alpine,
      applyGate(alpine.findings, { severities: ['CRITICAL', 'HIGH'], ignoreUnfixed: true }).blocking,
    );
    expect(sarif.runs[0]!.results).toEqual([]);
    expect(sarif.runs[0]!.tool.driver.rules).toEqual([]);
  });
});

describe('helpers', () => {
  it('parses severities in any case and order, worst first', () => {
    expect(parseSeverities(['high', 'Critical'])).toEqual(['CRITICAL', 'HIGH']);
    expect(parseSeverities(['SEVERE'])).toBeUndefined();
    expect(parseSeverities([])).toBeUndefined();
  });

  it('sorts worst first, then by score', () => {
    const base = { pkg: 'p', installed: '1', fixed: '', target: 't' };
    const sorted = sortBySeverity([
      { ...base, id: 'a', severity: 'LOW' },
      { ...base, id: 'b', severity: 'CRITICAL', cvss: 9.1 },
      { ...base, id: 'c', severity: 'CRITICAL', cvss: 9.8 },
    ]);
    expect(sorted.map((f) => f.id)).toEqual(['c', 'b', 'a']);
  });

  it('refuses reports that are not Trivy JSON v2', () => {
    expect(() => parseReport('not json')).toThrow(/not JSON/);
    expect(() => parseReport('{"SchemaVersion": 1}')).toThrow(/schema version 1/);
  });
});
