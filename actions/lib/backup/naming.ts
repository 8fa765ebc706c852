/** Object naming: `<prefix><UTC stamp>-<6 hex>.dump.zst.age` and a `.manifest.json` beside it. */
const BACKUP_SUFFIX = '.dump.zst.age';
const MANIFEST_SUFFIX = '.manifest.json';
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
