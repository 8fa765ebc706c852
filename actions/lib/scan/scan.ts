import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../action/core';
import { groupUntrusted } from '../action/untrusted-output';
import { runCommand } from '../system/exec';
import { parseReport, type ScanReport } from './trivy-report';

const SCAN_TIMEOUT_MS = 30 * 60_000;

export interface ScanSpec {
  trivy: string;
  imageRef: string;
  reportFile: string;
  cacheDir: string;
  skipDbUpdate: boolean;
}

/**
 * `trivy image` with the full JSON report: no `--severity`, `--ignore-unfixed` or
 * `--exit-code`, because the gate is applied here on the JSON (so counts cover every
 * severity and the SARIF file matches the gate). Vulnerabilities only (`--scanners vuln`).
 */
export function scanArgv(spec: ScanSpec): string[] {
  const argv = [spec.trivy, 'image', '--format', 'json', '--output', spec.reportFile, '--scanners', 'vuln'];
  argv.push('--cache-dir', spec.cacheDir);
  if (spec.skipDbUpdate) argv.push('--skip-db-update', '--skip-java-db-update');
  argv.push(spec.imageRef);
  return argv;
}

export interface DbMetadata {
  updatedAt?: string;
  downloadedAt?: string;
  nextUpdate?: string;
}

/** The vulnerability DB's `metadata.json` in Trivy's cache dir; undefined when no DB is cached. */
export function readDbMetadata(cacheDir: string): DbMetadata | undefined {
  try {
    const json = JSON.parse(readFileSync(join(cacheDir, 'db', 'metadata.json'), 'utf8')) as Record<
      string,
      string
    >;
    return { updatedAt: json.UpdatedAt, downloadedAt: json.DownloadedAt, nextUpdate: json.NextUpdate };
  } catch {
    return undefined;
  }
}

/** Runs the scan (its output grouped in the log) and reads the JSON report it wrote. */
export async function scanImage(log: Pick<Core, 'info' | 'group'>, spec: ScanSpec): Promise<ScanReport> {
  // Trivy prints what it finds in the image (paths, package names): never read as workflow commands.
  await groupUntrusted(log, `trivy image ${spec.imageRef}`, (print) =>
    runCommand(scanArgv(spec), { timeoutMs: SCAN_TIMEOUT_MS, onLine: print }),
  );
  return parseReport(readFileSync(spec.reportFile, 'utf8'));
}
