// Running a build and a push with the chosen engine (the argv come from engine.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../action/core';
import { groupUntrusted } from '../action/untrusted-output';
import { runCommand } from '../system/exec';
import { explainNetworkError } from '../system/network-error';
import * as argv from './engine';
import type { BuildSpec, Engine, RegistryAccess } from './engine';
import { DIGEST, registryService } from './image-name';

type Log = Pick<Core, 'info' | 'warning' | 'group'>;

const BUILD_TIMEOUT_MS = 60 * 60_000;
const PUSH_TIMEOUT_MS = 30 * 60_000;

/** Builds the image (output grouped in the log) and returns its ID. */
export async function buildImage(log: Log, engine: Engine, spec: BuildSpec, title: string): Promise<string> {
  // The build's output comes from the Dockerfile's commands: never read as workflow commands.
  await groupUntrusted(log, `Build ${title} (${engine.name})`, (print) =>
    runCommand(argv.buildArgv(engine, spec), { timeoutMs: BUILD_TIMEOUT_MS, onLine: print }),
  );
  const imageId = readFileSync(spec.iidFile, 'utf8').trim();
  if (!imageId) throw new Error(`${engine.name} finished the build but wrote no image ID.`);
  return imageId;
}

/** The image's uncompressed size in bytes. */
export async function imageSize(engine: Engine, imageId: string): Promise<number> {
  const { stdout } = await runCommand(argv.inspectArgv(engine, imageId), { timeoutMs: 60_000 });
  const size = argv.parseSize(engine, stdout);
  if (size === undefined)
    throw new Error(`Cannot read the size of image ${imageId} from \`${engine.name}\`.`);
  return size;
}

export interface Credentials {
  registry: string;
  username?: string;
  password?: string;
  insecure: boolean;
}

/** Logs in with a credentials file private to this step (under `work`); none without credentials. */
export async function loginToRegistry(
  log: Log,
  engine: Engine,
  credentials: Credentials,
  work: string,
): Promise<RegistryAccess> {
  const access: RegistryAccess = { insecure: credentials.insecure };
  const { registry, username, password } = credentials;
  if (!username || !password) return access;
  access.credentials = engine.name === 'docker' ? join(work, 'docker-config') : join(work, 'auth.json');
  if (engine.name === 'docker') mkdirSync(access.credentials, { mode: 0o700 });
  await runCommand(argv.loginArgv(engine, registry, username, access), {
    stdin: password,
    timeoutMs: 120_000,
    secrets: [password],
  });
  log.info(`Logged in to ${registry} as ${username}.`);
  return access;
}

/** Pushes every tag and returns the manifest digest (the same for all tags: one image). */
export async function pushTags(
  log: Log,
  engine: Engine,
  refs: string[],
  access: RegistryAccess,
  work: string,
  secrets: string[],
): Promise<string> {
  const digests: string[] = [];
  for (const [index, ref] of refs.entries()) {
    const digestFile = join(work, `digest-${index}`);
    const result = await groupUntrusted(log, `Push ${ref} (${index + 1}/${refs.length})`, (print) =>
      runCommand(argv.pushArgv(engine, ref, access, digestFile), {
        timeoutMs: PUSH_TIMEOUT_MS,
        secrets,
        onLine: print,
      }),
    ).catch((error: unknown) => {
      throw explainNetworkError(error, registryService(ref, 'the runner'));
    });
    const digest =
      engine.name === 'docker'
        ? argv.parseDockerPushDigest(result.stdout)
        : readFileSync(digestFile, 'utf8').trim();
    if (!digest || !DIGEST.test(digest))
      throw new Error(`Pushed ${ref} but could not read the manifest digest.`);
    digests.push(digest);
  }
  const distinct = [...new Set(digests)];
  if (distinct.length > 1)
    log.warning(
      `The tags were pushed with different manifest digests (${distinct.join(', ')}); outputs use the first.`,
    );
  return digests[0]!;
}
