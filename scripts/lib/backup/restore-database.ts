// scripts/restore-database: restore a backup after checking its sha256 and age authentication.
import { formatBytes, formatDuration } from '../../../actions/lib/action/duration';
import { createS3Client } from '../../../actions/lib/backup/s3';
import { redact } from '../../../actions/lib/action/secrets';
import { latestGood, listBackups } from '../../../actions/lib/backup/catalog';
import { describeComparison } from '../../../actions/lib/backup/compare';
import { parseDatabaseUrl } from '../../../actions/lib/backup/database-url';
import { knownSecrets } from '../../../actions/lib/backup/inputs';
import { describeTimings, restoreBackup } from '../../../actions/lib/backup/restore';
import { flagOrEnv, parseFlags, runCommand, STORAGE_FLAGS, STORAGE_HELP } from './cli';

const HELP = `Usage: scripts/restore-database --from latest|KEY --identity FILE --target URL [--jobs N] [--clean] [--no-owner]

Downloads the backup, checks its size and sha256 against the manifest and decrypts it (age
authenticates every chunk and the end) into a private temporary file; only then runs
pg_restore into the target, and finally compares tables and row counts with the manifest.

  --from latest|KEY     the newest good backup under --prefix, or an object key
  --identity FILE       age identity file (AGE-SECRET-KEY-1...)
  --target URL          database to restore into (secret: prefer DB_BACKUP_TARGET)
  --jobs N              parallel pg_restore jobs (default 2)
  --clean               allow a non-empty target: drop and recreate the backup's objects
  --no-owner            skip ownership and grants (when the target's roles differ)
  --temp-dir DIR        where the decrypted dump is kept during the restore (default TMPDIR)
${STORAGE_HELP}`;

export const restoreDatabase = (args: string[]) =>
  runCommand(HELP, args, async (argv) => {
    const flags = parseFlags(
      argv,
      [...STORAGE_FLAGS, 'from', 'identity', 'target', 'jobs', 'temp-dir'],
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
    if (!target) problems.push('--target must be a PostgreSQL URL (postgres://user:password@host:port/db)');
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 32)
      problems.push('--jobs must be a whole number from 1 to 32');
    if (problems.length > 0) throw new Error(`${problems.join('; ')}.`);

    const bucket = get('bucket');
    const s3 = createS3Client({
      endpoint: get('endpoint') || undefined,
      region: get('region') || undefined,
      forcePathStyle: get('force-path-style') === 'true',
    });
    const listing = Date.now();
    const key =
      from === 'latest'
        ? latestGood(await listBackups(s3, bucket, get('prefix')), `s3://${bucket}/${get('prefix')}`).key
        : from;
    const listMs = from === 'latest' ? Date.now() - listing : undefined;
    const scrub = (text: string) => redact(text, knownSecrets([target!.url, target!.password]));
    const log = {
      info: (m: string) => process.stderr.write(`${scrub(m)}\n`),
      warning: (m: string) => process.stderr.write(`warning: ${scrub(m)}\n`),
    };

    log.info(`Restoring s3://${bucket}/${key} into ${target!.database} on ${target!.host}:${target!.port}`);
    const result = await restoreBackup({
      s3,
      bucket,
      key,
      identity: { path: get('identity') },
      target: target!,
      jobs,
      existing: flags.has('clean') ? 'clean' : 'refuse',
      noOwner: flags.has('no-owner'),
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
