// scripts/list-backups: backups under a prefix with time, size and good/incomplete status.
import { formatBytes } from '../../../actions/lib/action/duration';
import { createS3Client } from '../../../actions/lib/backup/s3';
import { listBackups } from '../../../actions/lib/backup/catalog';
import { booleanFlag, flagOrEnv, parseFlags, runCommand, STORAGE_FLAGS, STORAGE_HELP } from './cli';

const HELP = `Usage: scripts/list-backups --bucket NAME --prefix PREFIX [--json]

Lists backups newest first. "good" means the object and its manifest exist (only those count);
"incomplete" is an object without a manifest (a failed or running backup). VERIFIED says what the
verification restore recorded: verified, unverified (never tried) or failed; SIGNED whether the
manifest has its signature (restores refuse unsigned manifests).
${STORAGE_HELP}  --json                   one JSON object per line
`;

export const listBackupsCommand = (args: string[]) =>
  runCommand(HELP, args, async (argv) => {
    const flags = parseFlags(argv, STORAGE_FLAGS, ['force-path-style', 'json']);
    const bucket = flagOrEnv(flags, 'bucket');
    const prefix = flagOrEnv(flags, 'prefix');
    if (!bucket) throw new Error('--bucket is required.');
    const s3 = createS3Client({
      endpoint: flagOrEnv(flags, 'endpoint') || undefined,
      region: flagOrEnv(flags, 'region') || undefined,
      forcePathStyle: booleanFlag(flags, 'force-path-style'),
    });
    const entries = await listBackups(s3, bucket, prefix);
    if (flags.has('json')) {
      for (const e of entries)
        process.stdout.write(
          `${JSON.stringify({ key: e.key, time: e.time.toISOString(), size: e.size, status: e.status, verification: e.verification, signed: e.signed })}\n`,
        );
      return;
    }
    if (entries.length === 0) {
      process.stdout.write(`No backups under s3://${bucket}/${prefix}\n`);
      return;
    }
    const rows = entries.map((e) => [
      e.time.toISOString().replace('.000Z', 'Z'),
      formatBytes(e.size),
      e.status,
      e.status === 'good' ? e.verification : '-',
      e.signed ? 'yes' : 'no',
      e.key,
    ]);
    const widths = [20, 10, 15, 10, 6];
    process.stdout.write(
      `${['TIME', 'SIZE', 'STATUS', 'VERIFIED', 'SIGNED', 'KEY'].map((h, i) => h.padEnd(widths[i] ?? 0)).join('  ')}\n`,
    );
    for (const row of rows)
      process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
    const good = entries.filter((e) => e.status === 'good');
    const verified = good.filter((e) => e.verification === 'verified').length;
    const failed = good.filter((e) => e.verification === 'failed').length;
    process.stdout.write(
      `${entries.length} backup(s), ${good.length} good (${verified} verified, ${failed} failed verification)\n`,
    );
  });
