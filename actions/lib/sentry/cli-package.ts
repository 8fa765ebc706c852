/**
 * The sentry-cli this action runs: the platform package that `@sentry/cli` itself depends on, which
 * ships the native binary (`package/bin/sentry-cli`), fetched from the npm registry and checked
 * against the integrity pinned here (the registry's own `dist.integrity` when the version was
 * pinned). Bump deliberately: new version, and the four integrities from
 * `npm view @sentry/cli-<platform>@<version> dist.integrity`.
 */
export const SENTRY_CLI_VERSION = '3.8.0';

const PACKAGES: Record<string, { name: string; integrity: string }> = {
  'linux-x64': {
    name: '@sentry/cli-linux-x64',
    integrity:
      'sha512-jMXbyLIuGFW1uuFSByy54edkHPIaiCVyymKW0ia+lgA6nfFEH4Y1Z+bxXyK6BBr8TD6/P5ROqiPivg0oFEDciQ==',
  },
  'linux-arm64': {
    name: '@sentry/cli-linux-arm64',
    integrity:
      'sha512-CS43j4vbLJBoB4c5MRZS7/nCf62yCnPIMQj7N+ZC50ze6EM8efEy4jq1ZZjz4G9u6AKuo6sntuaOlOGdZL5l6g==',
  },
  'darwin-x64': {
    name: '@sentry/cli-darwin',
    integrity:
      'sha512-i+qTGaHqL6LaIfMYuEohExJyzZwvRRsiQm+vrol/WfFGvqogeijXAU2wXn3xBglszUK/ia1xWH4KxcnqNLOpdQ==',
  },
  'darwin-arm64': {
    name: '@sentry/cli-darwin',
    integrity:
      'sha512-i+qTGaHqL6LaIfMYuEohExJyzZwvRRsiQm+vrol/WfFGvqogeijXAU2wXn3xBglszUK/ia1xWH4KxcnqNLOpdQ==',
  },
};

export interface CliPackage {
  name: string;
  version: string;
  /** `<registry>/@sentry/cli-linux-x64/-/cli-linux-x64-3.8.0.tgz`, the registry's tarball path. */
  tarballUrl: string;
  /** Subresource-integrity string: `sha512-<base64>`. */
  integrity: string;
}

export function cliPackage(
  registry: string,
  platform: string = process.platform,
  arch: string = process.arch,
): CliPackage {
  const pinned = PACKAGES[`${platform}-${arch}`];
  if (!pinned)
    throw new Error(
      `No sentry-cli binary is pinned for ${platform}/${arch}: run this step on Linux (x64, arm64) or macOS.`,
    );
  const file = `${pinned.name.split('/')[1]}-${SENTRY_CLI_VERSION}.tgz`;
  return {
    name: pinned.name,
    version: SENTRY_CLI_VERSION,
    tarballUrl: `${registry.replace(/\/+$/, '')}/${pinned.name}/-/${file}`,
    integrity: pinned.integrity,
  };
}
