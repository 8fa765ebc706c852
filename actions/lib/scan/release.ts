// Trivy's official release assets: `<base>/v0.69.3/trivy_0.69.3_Linux-64bit.tar.gz` next to
// `<base>/v0.69.3/trivy_0.69.3_checksums.txt`. The default version and base URL are the
// security-scan action's input defaults (action.yml); bump the version deliberately, after checking
// the release notes and advisories.

/** Versions whose official artifacts were replaced by a credential stealer (March 2026): refused. */
export const COMPROMISED_VERSIONS = new Set(['0.69.4', '0.69.5', '0.69.6']);

export const VERSION = /^\d+\.\d+\.\d+$/;

/**
 * The sha256 of the default version's archives, pinned here: a checksums file from the same
 * release (or mirror) proves nothing when the release itself is replaced, as happened in March
 * 2026. From the official v0.69.3 release (published before the compromise), cross-checked
 * against independent pins. Bump with the version in security-scan's action.yml.
 */
export const PINNED_SHA256: Record<string, Record<string, string>> = {
  '0.69.3': {
    'trivy_0.69.3_Linux-64bit.tar.gz': '1816b632dfe529869c740c0913e36bd1629cb7688bd5634f4a858c1d57c88b75',
    'trivy_0.69.3_Linux-ARM64.tar.gz': '7e3924a974e912e57b4a99f65ece7931f8079584dae12eb7845024f97087bdfd',
  },
};

/** The sha256 pinned in this source for a version's archive, if any. */
export function pinnedChecksum(version: string, archiveName: string): string | undefined {
  return PINNED_SHA256[version]?.[archiveName];
}

const PLATFORMS: Record<string, string> = {
  'linux-x64': 'Linux-64bit',
  'linux-arm64': 'Linux-ARM64',
  'darwin-x64': 'macOS-64bit',
  'darwin-arm64': 'macOS-ARM64',
};

export interface ReleaseAssets {
  archiveName: string;
  archiveUrl: string;
  checksumsUrl: string;
}

export function releaseAssets(
  version: string,
  baseUrl: string,
  platform: string = process.platform,
  arch: string = process.arch,
): ReleaseAssets {
  const suffix = PLATFORMS[`${platform}-${arch}`];
  if (!suffix)
    throw new Error(
      `Trivy publishes no tar.gz release for ${platform}/${arch}; run this step on Linux or macOS.`,
    );
  const archiveName = `trivy_${version}_${suffix}.tar.gz`;
  const base = `${baseUrl.replace(/\/+$/, '')}/v${version}`;
  return {
    archiveName,
    archiveUrl: `${base}/${archiveName}`,
    checksumsUrl: `${base}/trivy_${version}_checksums.txt`,
  };
}

/** The sha256 the checksums file (`<hex>  <file name>` lines) lists for `fileName`; undefined when absent. */
export function expectedChecksum(checksums: string, fileName: string): string | undefined {
  for (const line of checksums.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (match && match[2] === fileName) return match[1]!.toLowerCase();
  }
  return undefined;
}
