import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../lib/action/core';
import { formatBytes } from '../../lib/action/duration';
import { privateTempDir } from '../../lib/system/temp';
import { buildImage, imageSize, loginToRegistry, pushTags } from '../../lib/image/build';
import { resolveEngine } from '../../lib/image/engine-select';
import { readGitContext } from '../../lib/image/git-context';
import { ociLabels } from '../../lib/image/labels';
import { defaultTags, imageRefs, versionOf } from '../../lib/image/tags';
import { readInputs } from './inputs';
import { writeBuildSummary } from './summary';

const BYTES_PER_MB = 1_000_000;

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core, process.env.GITHUB_WORKSPACE || process.cwd());
  const git = await readGitContext(inputs.context, inputs.defaultBranch);
  const tags = [...new Set([...defaultTags(git), ...inputs.extraTags])];
  if (tags.length === 0)
    throw new Error('No tag to give the image: there is no git commit here. Set `tags` (e.g. `tags: dev`).');
  const refs = imageRefs(inputs.image, tags);
  const labels = { ...ociLabels(git, versionOf(git), new Date()), ...inputs.labels };
  const engine = await resolveEngine(inputs.engine, inputs.engineFlags);
  core.info(`Engine: ${engine.name}. Tags: ${tags.join(', ')}.`);

  const work = privateTempDir('docker-build-push');
  try {
    const started = Date.now();
    const spec = { ...inputs, refs, labels, iidFile: join(work, 'iid'), insecure: inputs.insecureRegistry };
    const imageId = await buildImage(core, engine, spec, inputs.image);
    const buildMs = Date.now() - started;
    const sizeBytes = await imageSize(engine, imageId);
    const maxBytes = inputs.maxSizeMb * BYTES_PER_MB;
    core.setOutput('size-bytes', String(sizeBytes));
    core.setOutput('tags', refs.join('\n'));
    core.info(
      `Built ${imageId} in ${(buildMs / 1000).toFixed(1)} s, ${formatBytes(sizeBytes)} uncompressed.`,
    );

    const report = { image: inputs.image, engine: engine.name, refs, imageId, sizeBytes, maxBytes, buildMs };
    if (maxBytes > 0 && sizeBytes > maxBytes) {
      await writeBuildSummary(core, { ...report, overBudget: true });
      throw new Error(
        `The image is ${formatBytes(sizeBytes)} (${sizeBytes} bytes), over the budget of ${inputs.maxSizeMb} MB (max-size-mb); it was not pushed. Make the image smaller or raise \`max-size-mb\`.`,
      );
    }
    if (!inputs.push) {
      core.setOutput('digest', '');
      core.setOutput('image-ref', '');
      await writeBuildSummary(core, report);
      return;
    }

    const pushStarted = Date.now();
    const credentials = { ...inputs, insecure: inputs.insecureRegistry };
    const access = await loginToRegistry(core, engine, credentials, work);
    const secrets = inputs.password ? [inputs.password] : [];
    const digest = await pushTags(core, engine, refs, access, work, secrets);
    const pushMs = Date.now() - pushStarted;
    core.setOutput('digest', digest);
    core.setOutput('image-ref', `${inputs.image}@${digest}`);
    core.info(`Pushed ${inputs.image}@${digest} in ${(pushMs / 1000).toFixed(1)} s.`);
    await writeBuildSummary(core, { ...report, digest, pushMs });
  } finally {
    // The credentials file lives only as long as the step.
    rmSync(work, { recursive: true, force: true });
  }
}
