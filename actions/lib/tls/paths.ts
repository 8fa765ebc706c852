import { posix } from 'node:path';

export interface PairPaths {
  chain: string;
  key: string;
}

/** Every file the action touches in a host's cert dir. */
export interface CertPaths {
  /** What nginx serves. */
  live: PairPaths;
  /** Uploaded and checked here, then renamed over `live` (same directory, so rename is atomic). */
  staged: PairPaths;
  /** Hard links to the pair that was live before this run: the restore point, kept after success. */
  previous: PairPaths;
}

export function certPaths(certDir: string, runId: string): CertPaths {
  const at = (name: string) => posix.join(certDir, name);
  return {
    live: { chain: at('fullchain.pem'), key: at('privkey.pem') },
    staged: { chain: at(`.fullchain.pem.ssl-renew-${runId}`), key: at(`.privkey.pem.ssl-renew-${runId}`) },
    previous: { chain: at('fullchain.pem.previous'), key: at('privkey.pem.previous') },
  };
}

export function tokenPath(webroot: string, token: string): string {
  return posix.join(webroot, token);
}

// Constant scripts, arguments passed positionally (`sh -c SCRIPT sh ARG...`): nothing is interpolated.

/** For each (live, previous) pair: hard-link live to previous, or drop a stale previous when there is no live file. */
export const BACKUP_SCRIPT =
  'set -e; while [ $# -gt 0 ]; do if [ -e "$1" ]; then ln -f -- "$1" "$2"; else rm -f -- "$2"; fi; shift 2; done';

/** For each (live, previous) pair: move previous back over live, or remove live when there was none before. */
export const RESTORE_SCRIPT =
  'set -e; while [ $# -gt 0 ]; do if [ -e "$2" ]; then mv -f -- "$2" "$1"; else rm -f -- "$1"; fi; shift 2; done';

export function backupArgv(paths: CertPaths): string[] {
  return [
    'sh',
    '-c',
    BACKUP_SCRIPT,
    'sh',
    paths.live.key,
    paths.previous.key,
    paths.live.chain,
    paths.previous.chain,
  ];
}

export function restoreArgv(paths: CertPaths): string[] {
  return [
    'sh',
    '-c',
    RESTORE_SCRIPT,
    'sh',
    paths.live.key,
    paths.previous.key,
    paths.live.chain,
    paths.previous.chain,
  ];
}
