// The container engine's own log rotation: the apps log to stdout, and the engine keeps at most
// `max-file` files of `max-size` each (docker's json-file/local drivers; podman's k8s-file, which
// `json-file` names there, honours max-size only and truncates, see docs/DEPLOY.md).
import type { LogRotation } from './types';

/** `run` flags for the release's log driver and rotation ([] for releases recorded without them). */
export function logRunArgs(logs: LogRotation | undefined): string[] {
  if (!logs) return [];
  return [
    '--log-driver',
    logs.driver,
    '--log-opt',
    `max-size=${logs.maxSize}`,
    '--log-opt',
    `max-file=${logs.maxFiles}`,
  ];
}

/** A size both engines parse: digits with an optional k, m or g. */
export const LOG_SIZE = { pattern: /^[1-9]\d{0,5}[kmg]?$/, expected: 'a size such as `10m`, `512k` or `1g`' };
/** A log driver name such as `json-file`, `local` or `journald`. */
export const LOG_DRIVER = {
  pattern: /^[a-z][a-z0-9-]{0,31}$/,
  expected: 'a driver name such as `json-file`',
};
