import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Core } from '../../lib/action/core';
import { privateTempDir } from '../../lib/system/temp';
import { applyGate, type GateResult } from '../../lib/scan/gate';
import { installTrivy } from '../../lib/scan/install';
import { toSarif } from '../../lib/scan/sarif';
import { readDbMetadata, scanImage } from '../../lib/scan/scan';
import { SEVERITIES } from '../../lib/scan/trivy-report';
import { readInputs } from './inputs';
import { findingRows, verdict, writeScanSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const started = Date.now();
  mkdirSync(inputs.cacheDir, { recursive: true });
  const cachedDb = readDbMetadata(inputs.cacheDir);
  if (inputs.skipDbUpdate && !cachedDb)
    throw new Error(
      `\`skip-db-update\` is true but \`${inputs.cacheDir}\` holds no vulnerability DB yet: run once without it (or restore the cache dir first).`,
    );
  core.info(
    cachedDb
      ? `Vulnerability DB cached in ${inputs.cacheDir} (updated ${cachedDb.updatedAt}).`
      : 'No cached DB: Trivy will download it.',
  );

  const trivy = await installTrivy(core, inputs.trivyVersion, inputs.downloadBaseUrl);
  const work = privateTempDir('security-scan');
  try {
    const report = await scanImage(core, {
      trivy: trivy.path,
      imageRef: inputs.imageRef,
      reportFile: join(work, 'trivy.json'),
      cacheDir: inputs.cacheDir,
      skipDbUpdate: inputs.skipDbUpdate,
    });
    const gate = applyGate(report.findings, {
      severities: inputs.severities,
      ignoreUnfixed: inputs.ignoreUnfixed,
    });

    mkdirSync(dirname(inputs.sarifFile), { recursive: true });
    writeFileSync(inputs.sarifFile, `${JSON.stringify(toSarif(report, gate.blocking), null, 2)}\n`);
    setOutputs(core, gate, inputs.sarifFile);
    const summary = {
      imageRef: inputs.imageRef,
      trivyVersion: inputs.trivyVersion,
      toolCached: trivy.cached,
      db: readDbMetadata(inputs.cacheDir),
      severities: inputs.severities,
      ignoreUnfixed: inputs.ignoreUnfixed,
      gate,
      durationMs: Date.now() - started,
    };
    await writeScanSummary(core, summary);
    logFindings(core, gate);

    const message = `${verdict(summary)} SARIF: ${inputs.sarifFile}`;
    if (gate.passed) core.info(message);
    else if (inputs.failOnFindings)
      throw new Error(`${message}\nFix or upgrade the packages listed above, or adjust \`severity\`.`);
    else core.warning(`${message} (fail-on-findings is false)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function setOutputs(core: Core, gate: GateResult, sarifFile: string): void {
  core.setOutput('critical', String(gate.counts.CRITICAL));
  core.setOutput('high', String(gate.counts.HIGH));
  core.setOutput('medium', String(gate.counts.MEDIUM));
  core.setOutput('low', String(gate.counts.LOW));
  core.setOutput('passed', String(gate.passed));
  core.setOutput('sarif-file', sarifFile);
}

function logFindings(core: Core, gate: GateResult): void {
  core.info(`Findings: ${SEVERITIES.map((s) => `${s} ${gate.counts[s]}`).join(', ')}.`);
  for (const row of findingRows(gate)) core.info(`  ${row.join('  ')}`);
}
