import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from '../config/env.schema';

export interface VersionInfo {
  version: string;
  revision: string | null;
  builtAt: string | null;
}

/** What /version reports: the image's build args (via APP_* env), else the package version. */
export function versionInfo(
  config: Pick<AppConfig, 'APP_VERSION' | 'APP_REVISION' | 'APP_BUILT_AT'>,
): VersionInfo {
  return {
    version: config.APP_VERSION ?? packageVersion(),
    revision: config.APP_REVISION ?? null,
    builtAt: config.APP_BUILT_AT ?? null,
  };
}

function packageVersion(): string {
  // dist/version/ and src/version/ both sit two levels below the package root.
  const text = readFileSync(resolve(__dirname, '../../package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
