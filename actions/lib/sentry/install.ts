import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tc from '@actions/tool-cache';
import { cliPackage } from './cli-package';
import type { Core } from '../action/core';
import { runCommand } from '../system/exec';

export interface InstalledCli {
  path: string;
  version: string;
  /** True when it came from the runner's tool cache, without a download. */
  cached: boolean;
}

const TOOL = 'sentry-cli';

/**
 * The pinned sentry-cli for this runner: from the tool cache when an earlier run put it there,
 * else the platform package's tarball from the npm registry, refused unless its sha512 matches
 * the pinned integrity, then extracted and cached. Either way it must report the pinned version.
 */
export async function installSentryCli(core: Pick<Core, 'info'>, registry: string): Promise<InstalledCli> {
  const pkg = cliPackage(registry);
  const cachedDir = tc.find(TOOL, pkg.version);
  if (cachedDir && existsSync(join(cachedDir, TOOL))) {
    core.info(`sentry-cli ${pkg.version} found in the tool cache (${cachedDir}).`);
    return {
      path: await checkVersion(join(cachedDir, TOOL), pkg.version),
      version: pkg.version,
      cached: true,
    };
  }

  core.info(`Downloading ${pkg.name}@${pkg.version} from ${pkg.tarballUrl}`);
  const tarball = await tc.downloadTool(pkg.tarballUrl);
  let extracted: string | undefined;
  try {
    const actual = await integrityOf(tarball);
    if (actual !== pkg.integrity)
      throw new Error(
        `Integrity mismatch for ${pkg.name}@${pkg.version}: pinned ${pkg.integrity}, downloaded ${actual}. ` +
          'Refusing to run it (a corrupted or tampered download, or a registry mirror serving something else).',
      );
    core.info(`sha512 matches the pinned integrity of ${pkg.name}@${pkg.version}.`);
    extracted = await tc.extractTar(tarball);
    const manifest = JSON.parse(readFileSync(join(extracted, 'package', 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
    };
    const binary = join(extracted, 'package', 'bin', TOOL);
    if (manifest.name !== pkg.name || manifest.version !== pkg.version || !existsSync(binary))
      throw new Error(`${pkg.tarballUrl} is not ${pkg.name}@${pkg.version} with a bin/${TOOL}.`);
    chmodSync(binary, 0o755);
    const toolDir = await tc.cacheFile(binary, TOOL, TOOL, pkg.version);
    return {
      path: await checkVersion(join(toolDir, TOOL), pkg.version),
      version: pkg.version,
      cached: false,
    };
  } finally {
    rmSync(tarball, { force: true });
    if (extracted) rmSync(extracted, { recursive: true, force: true });
  }
}

/** `<algorithm>-<base64 digest>` of a file, as npm's `dist.integrity` writes it. */
export function integrityOf(path: string, algorithm = 'sha512'): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(`${algorithm}-${hash.digest('base64')}`));
  });
}

async function checkVersion(binary: string, version: string): Promise<string> {
  const { stdout } = await runCommand([binary, '--version'], {
    env: { PATH: process.env.PATH ?? '', SENTRY_DISABLE_UPDATE_CHECK: 'true', SENTRY_LOAD_DOTENV: '0' },
    timeoutMs: 30_000,
  });
  if (stdout.trim() !== `sentry-cli ${version}`)
    throw new Error(`${binary} reports "${stdout.trim()}", expected sentry-cli ${version}.`);
  return binary;
}
