// scripts/restore-database: restore a backup after checking its sha256 and age authentication.
import { formatBytes, formatDuration } from '../../../actions/lib/action/duration';
import { createS3Client } from '../../../actions/lib/backup/s3';
import { redact } from '../../../actions/lib/action/secrets';
import { readFileSync } from 'node:fs';
import { chooseBackup, listBackups } from '../../../actions/lib/backup/catalog';
import { describeComparison } from '../../../actions/lib/backup/compare';
import { parseDatabaseUrl } from '../../../actions/lib/backup/database-url';
import { knownSecrets } from '../../../actions/lib/backup/inputs';
import { describeTimings, restoreBackup } from '../../../actions/lib/backup/restore';
import { parsePublicKeys } from '../../../actions/lib/backup/signing';
import { booleanFlag, flagOrEnv, parseFlags, runCommand, STORAGE_FLAGS, STORAGE_HELP } from './cli';

const HELP = `Usage: scripts/restore-database --from latest|KEY --identity FILE --public-key FILE --target URL [--jobs N] [--clean] [--no-owner]

Checks the manifest's Ed25519 signature against --public-key before anything else, then
downloads the backup, checks its size and sha256 against the manifest and decrypts it (age
authenticates every chunk and the end) into a private temporary file; only then runs
pg_restore into the target, and finally compares tables and row counts with the manifest.

  --from latest|KEY     latest: the newest verified backup under --prefix, else the newest
                        unverified one (with a warning); never one that failed verification
  --identity FILE       age identity file (AGE-SECRET-KEY-1...)
  --public-key FILE     the backup signing key's public key(s), PEM (DB_BACKUP_PUBLIC_KEY: a file too)
  --target URL          database to restore into (secret: prefer DB_BACKUP_TARGET)
  --jobs N              parallel pg_restore jobs (default 2)
  --clean[=true|false]  allow a non-empty target: drop and recreate the backup's objects
  --no-owner[=true|false]  skip ownership and grants (when the target's roles differ)
  --temp-dir DIR        where the decrypted dump is kept during the restore (default TMPDIR)
${STORAGE_HELP}`;

export const restoreDatabase = (args: string[]) =>
  runCommand(HELP, args, async (argv) => {
    const flags = parseFlags(
      argv,
      [...STORAGE_FLAGS, 'from', 'identity', 'public-key', 'target', 'jobs', 'temp-dir'],
      ['clean', 'no-owner', 'force-path-style'],
    );
    const get = (name: string) => flagOrEnv(flags, name);
    const problems: string[] = [];
    const from = get('from');
    const target = parseDatabaseUrl(get('target'));
    const jobs = Number(get('jobs') || '2');
    if (!get('bucket')) problems.push('--bucket is required');
    if (!from) problems.push('--from latest|KEY is required');
    if (from === 'latest' && !get('prefix')) problems.push('--from latest needs --prefix');
    if (!get('identity')) problems.push('--identity FILE is required');
    const publicKeys = readPublicKeys(get('public-key'), problems);
    let clean = false;
    let noOwner = false;
    try {
      clean = booleanFlag(flags, 'clean');
      noOwner = booleanFlag(flags, 'no-owner');
    } catch (error) {
      problems.push((error as Error).message.replace(/\.$/, ''));
    }
    if (!target) problems.push('--target must be a PostgreSQL URL (postgres://user:password@host:port/db)');
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 32)
      problems.push('--jobs must be a whole number from 1 to 32');
    if (problems.length > 0) throw new Error(`${problems.join('; ')}.`);

    const bucket = get('bucket');
    const s3 = createS3Client({
      endpoint: get('endpoint') || undefined,
      region: get('region') || undefined,
      forcePathStyle: booleanFlag(flags, 'force-path-style'),
    });
    const scrub = (text: string) => redact(text, knownSecrets([], target));
    const log = {
      info: (m: string) => process.stderr.write(`${scrub(m)}\n`),
      warning: (m: string) => process.stderr.write(`warning: ${scrub(m)}\n`),
    };
    const listing = Date.now();
    const key =
      from === 'latest'
        ? chooseBackup(await listBackups(s3, bucket, get('prefix')), `s3://${bucket}/${get('prefix')}`, log)
            .key
        : from;
    const listMs = from === 'latest' ? Date.now() - listing : undefined;

    log.info(`Restoring s3://${bucket}/${key} into ${target!.database} on ${target!.host}:${target!.port}`);
    const result = await restoreBackup({
      s3,
      bucket,
      key,
      identity: { path: get('identity') },
      publicKeys,
      target: target!,
      jobs,
      existing: clean ? 'clean' : 'refuse',
      noOwner,
      log,
      redact: scrub,
      tempDir: get('temp-dir') || undefined,
    });
    const { manifest, timings, comparison } = result;
    const rows = result.tables.reduce((sum, t) => sum + t.rows, 0);
    process.stdout.write(
      [
        `Restored ${key}`,
        `  taken        ${manifest.started_at} from ${manifest.database} (PostgreSQL ${manifest.server_version})`,
        `  size         ${formatBytes(manifest.size_bytes)}, sha256 ${manifest.sha256}`,
        `  into         ${target!.database} on ${target!.host}:${target!.port}`,
        `  tables/rows  ${result.tables.length} / ${rows}`,
        `  check        ${describeComparison(comparison)}`,
        `  took         ${formatDuration(timings.totalMs)} (${describeTimings(timings, listMs)})`,
        '',
      ].join('\n'),
    );
    if (!comparison.ok)
      throw new Error(
        `The restored database does not match the manifest: ${describeComparison(comparison)}.`,
      );
  });

function readPublicKeys(file: string, problems: string[]) {
  if (!file) {
    problems.push("--public-key FILE is required (the backup signing key's public key, PEM)");
    return [];
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    problems.push(`--public-key: cannot read ${file}`);
    return [];
  }
  const keys = parsePublicKeys(text);
  if (!keys) problems.push(`--public-key: ${file} holds no Ed25519 public key in PEM`);
  return keys ?? [];
}
