import { rmSync } from 'node:fs';
import type { Core } from '../../lib/action/core';
import { parseUploadOutput } from '../../lib/sentry/cli-output';
import { readInputs, type UploadInputs } from './inputs';
import { installSentryCli } from '../../lib/sentry/install';
import { cliEnv, planSteps } from '../../lib/sentry/plan';
import { runStep, type RunContext } from '../../lib/sentry/run-cli';
import { debugIdReport, findSourceFiles, type SourceFiles } from '../../lib/sentry/scan';
import { tokenSecrets } from '../../lib/sentry/token';
import { writeUploadSummary, type UploadResult } from './summary';
import { privateTempDir } from '../../lib/system/temp';

export async function main(core: Core): Promise<void> {
  const started = Date.now();
  const inputs = readInputs(core);
  // Everything that can be checked here is checked before any download or request.
  const sources = inputs.paths.length > 0 ? findSourceFiles(inputs.paths) : undefined;
  const cli = await installSentryCli(core, inputs.npmRegistry);
  const home = privateTempDir('sourcemap-upload');
  try {
    const ctx: RunContext = {
      env: cliEnv(inputs, home),
      cwd: home,
      secrets: tokenSecrets(inputs.authToken),
      url: inputs.url,
      org: inputs.org,
      project: inputs.project,
    };
    let upload: UploadResult['upload'];
    for (const step of planSteps(cli.path, inputs)) {
      if (step.kind === 'upload' && sources) checkDebugIds(core, inputs, sources);
      const stdout = await runStep(core, step, ctx);
      if (step.kind === 'upload' && sources) upload = afterUpload(core, inputs, sources, stdout);
    }
    setOutputs(core, inputs, upload);
    await writeUploadSummary(core, {
      inputs,
      cliVersion: cli.version,
      cliCached: cli.cached,
      upload,
      durationMs: Date.now() - started,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Without a release, Sentry can only match maps by debug ID: a map without one would be useless. */
function checkDebugIds(core: Pick<Core, 'warning'>, inputs: UploadInputs, sources: SourceFiles): void {
  const { ids, missing } = debugIdReport(sources.maps, process.env.GITHUB_WORKSPACE || process.cwd());
  if (missing.length === 0) return;
  const list = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length})` : '');
  if (!inputs.release && ids.length === 0)
    throw new Error(
      `No source map has a debug ID (${list}) and no \`release\` is set, so Sentry could never match them: ` +
        "set `inject: true` (plain tsc or esbuild output), enable the bundler's debug IDs, or give a `release`.",
    );
  core.warning(`Source maps without a debug ID (matched by release and URL only): ${list}`);
}

function afterUpload(core: Pick<Core, 'info'>, inputs: UploadInputs, sources: SourceFiles, stdout: string) {
  const report = parseUploadOutput(stdout);
  const { ids } = debugIdReport(sources.maps, '');
  let deletedMaps = 0;
  if (inputs.deleteAfter) {
    for (const map of sources.maps) rmSync(map, { force: true });
    deletedMaps = sources.maps.length;
    core.info(`Deleted ${deletedMaps} source map(s) from ${inputs.paths.join(', ')}: they cannot ship now.`);
  }
  return {
    files: report.files ?? sources.files.length,
    maps: sources.maps.length,
    bundles: report.bundles,
    debugIds: ids,
    deletedMaps,
  };
}

function setOutputs(
  core: Pick<Core, 'setOutput'>,
  inputs: UploadInputs,
  upload: UploadResult['upload'],
): void {
  core.setOutput('release', inputs.release ?? '');
  core.setOutput('files', String(upload?.files ?? 0));
  core.setOutput('bundles', JSON.stringify(upload?.bundles ?? []));
  core.setOutput('debug-ids', JSON.stringify(upload?.debugIds ?? []));
}
