import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tc from '@actions/tool-cache';
import type { Core } from '../action/core';
import { expectedChecksum, pinnedChecksum, releaseAssets } from './release';

export interface InstalledTrivy {
  path: string;
  /** True when it came from the tool cache, without a download. */
  cached: boolean;
}

/**
 * Returns the Trivy binary for `version`: from the runner's tool cache when an earlier
 * run put it there, else downloaded from the release, verified against the sha256 pinned in this
 * source (release.ts) or, for a version without a pin, the release's checksums file (with a
 * warning); a mismatch or a missing entry refuses it. Then extracted and cached.
 */
export async function installTrivy(
  core: Pick<Core, 'info' | 'warning'>,
  version: string,
  baseUrl: string,
): Promise<InstalledTrivy> {
  const cachedDir = tc.find('trivy', version);
  if (cachedDir && existsSync(join(cachedDir, 'trivy'))) {
    core.info(`Trivy ${version} found in the tool cache (${cachedDir}).`);
    return { path: join(cachedDir, 'trivy'), cached: true };
  }

  const assets = releaseAssets(version, baseUrl);
  const pinned = pinnedChecksum(version, assets.archiveName);
  core.info(`Downloading ${assets.archiveUrl}`);
  const checksumsFile = pinned ? undefined : await tc.downloadTool(assets.checksumsUrl);
  const archive = await tc.downloadTool(assets.archiveUrl);
  let extracted: string | undefined;
  try {
    const expected = pinned ?? expectedChecksum(readFileSync(checksumsFile!, 'utf8'), assets.archiveName);
    if (!expected)
      throw new Error(
        `The checksums file ${assets.checksumsUrl} lists no ${assets.archiveName}: refusing to install it.`,
      );
    const source = pinned ? 'the sha256 pinned in the source' : "the release's checksums file";
    const actual = await sha256File(archive);
    if (actual !== expected)
      throw new Error(
        `Checksum mismatch for ${assets.archiveName}: ${source} says sha256 ${expected}, the download has ${actual}. ` +
          'Refusing to run it (a corrupted or tampered download).',
      );
    core.info(`sha256 ${actual} matches ${source}.`);
    if (!pinned)
      core.warning(
        `Trivy ${version} has no sha256 pinned in the source: it was checked only against its own release's checksums file. Pin it in actions/lib/scan/release.ts.`,
      );
    extracted = await tc.extractTar(archive);
    if (!existsSync(join(extracted, 'trivy')))
      throw new Error(`${assets.archiveName} has no \`trivy\` binary at its top level.`);
    const toolDir = await tc.cacheDir(extracted, 'trivy', version);
    return { path: join(toolDir, 'trivy'), cached: false };
  } finally {
    rmSync(archive, { force: true });
    if (checksumsFile) rmSync(checksumsFile, { force: true });
    if (extracted) rmSync(extracted, { recursive: true, force: true });
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
