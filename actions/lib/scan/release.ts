// Trivy's official release assets: `<base>/v0.69.3/trivy_0.69.3_Linux-64bit.tar.gz` next to
// `<base>/v0.69.3/trivy_0.69.3_checksums.txt`. The default version and base URL are the
// security-scan action's input defaults (action.yml); bump the version deliberately, after checking
// the release notes and advisories.

/** Versions whose official artifacts were replaced by a credential stealer (March 2026): refused. */
export const COMPROMISED_VERSIONS = new Set(['0.69.4', '0.69.5', '0.69.6']);

export const VERSION = /^\d+\.\d+\.\d+$/;

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
