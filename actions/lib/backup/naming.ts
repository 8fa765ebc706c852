/**
 * Object naming: `<prefix><UTC stamp>-<6 hex>.dump.zst.age`, and beside it (sidecars) the
 * `.manifest.json`, its `.manifest.json.sig` and the verification record (`.verified.json` or
 * `.verify-failed.json`).
 */
const BACKUP_SUFFIX = '.dump.zst.age';
const MANIFEST_SUFFIX = '.manifest.json';
export const SIDECARS = {
  manifest: MANIFEST_SUFFIX,
  signature: `${MANIFEST_SUFFIX}.sig`,
  verified: '.verified.json',
  failed: '.verify-failed.json',
} as const;
export type Sidecar = keyof typeof SIDECARS;
const NAME = /^(\d{8}T\d{6}Z)-([0-9a-f]{6})\.dump\.zst\.age$/;

export function backupKey(prefix: string, startedAt: Date, random: string): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${prefix}${stamp}-${random}${BACKUP_SUFFIX}`;
}

export function manifestKey(key: string): string {
  return `${key}${MANIFEST_SUFFIX}`;
}

export function sidecarKey(key: string, kind: Sidecar): string {
  return `${key}${SIDECARS[kind]}`;
}

/** The backup key and kind of a sidecar object's key, or undefined for anything else. */
export function parseSidecarKey(key: string): { key: string; kind: Sidecar } | undefined {
  // Longest suffix first: `.manifest.json.sig` also ends like nothing else, but keep the order explicit.
  for (const kind of ['signature', 'manifest', 'verified', 'failed'] as const) {
    const suffix = `${BACKUP_SUFFIX}${SIDECARS[kind]}`;
    if (key.endsWith(suffix)) return { key: key.slice(0, -SIDECARS[kind].length), kind };
  }
  return undefined;
}

export function isManifestKey(key: string): boolean {
  return key.endsWith(`${BACKUP_SUFFIX}${MANIFEST_SUFFIX}`);
}

export function backupKeyOfManifest(key: string): string {
  return key.slice(0, -MANIFEST_SUFFIX.length);
}

/** The start time encoded in a backup key under `prefix`, or undefined for foreign objects. */
export function backupTime(prefix: string, key: string): Date | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const match = NAME.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const s = match[1]!;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `postgres/<database>/`, the default prefix. */
export function defaultPrefix(database: string): string {
  return `postgres/${database}/`;
}
