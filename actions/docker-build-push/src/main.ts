import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../common/src/core';
import { formatBytes } from '../../common/src/duration';
import { runCommand } from '../../common/src/exec';
import { privateTempDir } from '../../common/src/temp';
import {
  buildArgv,
  inspectArgv,
  loginArgv,
  parseDockerPushDigest,
  parseSize,
  pushArgv,
  type Engine,
  type RegistryAccess,
} from './engine';
import { resolveEngine } from './engine-select';
import { readGitContext } from './git-context';
import { DIGEST } from './image-name';
import { readInputs, type BuildPushInputs } from './inputs';
import { ociLabels } from './labels';
import { writeBuildSummary } from './summary';
import { defaultTags, imageRefs, versionOf } from './tags';

const BUILD_TIMEOUT_MS = 60 * 60_000;
const PUSH_TIMEOUT_MS = 30 * 60_000;
const BYTES_PER_MB = 1_000_000;

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core, process.env.GITHUB_WORKSPACE || process.cwd());
  const git = await readGitContext(process.env, inputs.context, inputs.defaultBranch);
  const tags = [...new Set([...defaultTags(git), ...inputs.extraTags])];
  if (tags.length === 0)
    throw new Error('No tag to give the image: there is no git commit here. Set `tags` (e.g. `tags: dev`).');
  const refs = imageRefs(inputs.image, tags);
  const labels = { ...ociLabels(git, versionOf(git), new Date()), ...inputs.labels };
  const engine = await resolveEngine(inputs.engine, inputs.engineFlags);
  core.info(`Engine: ${engine.name}. Tags: ${tags.join(', ')}.`);

  const work = privateTempDir('docker-build-push');
  const secrets = inputs.password ? [inputs.password] : [];
  try {
    const started = Date.now();
    const imageId = await build(core, engine, inputs, refs, labels, work);
    const buildMs = Date.now() - started;
    const sizeBytes = await measure(engine, imageId);
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
    const access = await login(core, engine, inputs, work, secrets);
    const digest = await pushAll(core, engine, refs, access, work, secrets);
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

async function build(
  core: Core,
  engine: Engine,
  inputs: BuildPushInputs,
  refs: string[],
  labels: Record<string, string>,
  work: string,
): Promise<string> {
  const iidFile = join(work, 'iid');
  const argv = buildArgv(engine, {
    context: inputs.context,
    file: inputs.file,
    refs,
    buildArgs: inputs.buildArgs,
    labels,
    iidFile,
    insecure: inputs.insecureRegistry,
  });
  await core.group(`Build ${inputs.image} (${engine.name})`, () =>
    runCommand(argv, { timeoutMs: BUILD_TIMEOUT_MS, onLine: (line) => core.info(line) }),
  );
  const imageId = readFileSync(iidFile, 'utf8').trim();
  if (!imageId) throw new Error(`${engine.name} finished the build but wrote no image ID.`);
  return imageId;
}

async function measure(engine: Engine, imageId: string): Promise<number> {
  const { stdout } = await runCommand(inspectArgv(engine, imageId), { timeoutMs: 60_000 });
  const size = parseSize(engine, stdout);
  if (size === undefined)
    throw new Error(`Cannot read the size of image ${imageId} from \`${engine.name}\`.`);
  return size;
}

/** Logs in to the registry with a credentials file private to this step; none without credentials. */
async function login(
  core: Core,
  engine: Engine,
  inputs: BuildPushInputs,
  work: string,
  secrets: string[],
): Promise<RegistryAccess> {
  const access: RegistryAccess = { insecure: inputs.insecureRegistry };
  if (!inputs.username || !inputs.password) return access;
  access.credentials = engine.name === 'docker' ? join(work, 'docker-config') : join(work, 'auth.json');
  if (engine.name === 'docker') mkdirSync(access.credentials, { mode: 0o700 });
  await runCommand(loginArgv(engine, inputs.registry, inputs.username, access), {
    stdin: inputs.password,
    timeoutMs: 120_000,
    secrets,
  });
  core.info(`Logged in to ${inputs.registry} as ${inputs.username}.`);
  return access;
}

/** Pushes every tag and returns the manifest digest (the same for all tags: one image). */
async function pushAll(
  core: Core,
  engine: Engine,
  refs: string[],
  access: RegistryAccess,
  work: string,
  secrets: string[],
): Promise<string> {
  const digests: string[] = [];
  for (const [index, ref] of refs.entries()) {
    const digestFile = join(work, `digest-${index}`);
    const result = await core.group(`Push ${ref} (${index + 1}/${refs.length})`, () =>
      runCommand(pushArgv(engine, ref, access, digestFile), {
        timeoutMs: PUSH_TIMEOUT_MS,
        secrets,
        onLine: (line) => core.info(line),
      }),
    );
    const digest =
      engine.name === 'docker'
        ? parseDockerPushDigest(result.stdout)
        : readFileSync(digestFile, 'utf8').trim();
    if (!digest || !DIGEST.test(digest))
      throw new Error(`Pushed ${ref} but could not read the manifest digest.`);
    digests.push(digest);
  }
  const distinct = [...new Set(digests)];
  if (distinct.length > 1)
    core.warning(
      `The tags were pushed with different manifest digests (${distinct.join(', ')}); outputs use the first.`,
    );
  return digests[0]!;
}
