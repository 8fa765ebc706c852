// scripts/backup-database: a db-backup run from a terminal (the same inputs, defaults and library).
import { readFileSync } from 'node:fs';
import { Inputs } from '../../../actions/lib/action/inputs';
import { readBackupInputs } from '../../../actions/lib/backup/inputs';
import { runBackupJob } from '../../../actions/lib/backup/job';
import {
  booleanFlag,
  dbBackupDefaults,
  flagOrEnv,
  parseFlags,
  runCommand,
  STORAGE_HELP,
  terminalCore,
} from './cli';

const help = (d: Record<string, string>) => `Usage: scripts/backup-database [options]

Streams pg_dump | zstd | age into S3, writes the manifest last, applies retention, and with
--verify restores the new backup into a scratch database and compares row counts.
Every option can also come from DB_BACKUP_<OPTION> (e.g. DB_BACKUP_DATABASE_URL): prefer the
environment for secrets, which command lines show to every user of the machine.

  --database-url URL        database to back up (secret: use DB_BACKUP_DATABASE_URL)
  --recipients AGE1...      age public key; repeat for several
  --signing-key FILE        Ed25519 private key (PEM) that signs the manifest (DB_BACKUP_SIGNING_KEY: a file too)
  --compression-level N     zstd level 1-19 (default ${d['compression-level']})
  --retention-days N        delete good backups older than N days (default ${d['retention-days']})
  --keep-min N              never delete the newest N good backups (default ${d['keep-min']})
  --stale-after DURATION    age before manifest-less objects / incomplete uploads are cleaned (default ${d['stale-after']})
  --verify                  restore into --verify-database-url and compare
  --verify-database-url URL scratch database (its contents are replaced)
  --identity FILE           age identity file, for --verify
  --slack-token TOKEN       alert on failure (secret: use DB_BACKUP_SLACK_TOKEN)
  --slack-channel CHANNEL
${STORAGE_HELP}
Prints key=, size-bytes=, sha256=, duration-seconds=, verified= lines on stdout; logs on stderr.
`;

const VALUE_FLAGS = [
  'database-url',
  'bucket',
  'prefix',
  'endpoint',
  'region',
  'recipients',
  'signing-key',
  'compression-level',
  'retention-days',
  'keep-min',
  'stale-after',
  'verify-database-url',
  'identity',
  'slack-token',
  'slack-channel',
] as const;

export const backupDatabase = (args: string[]) => {
  const defaults = dbBackupDefaults();
  return runCommand(help(defaults), args, async (argv) => {
    const flags = parseFlags(argv, VALUE_FLAGS, ['verify', 'force-path-style']);
    for (const name of ['verify', 'force-path-style']) flags.set(name, String(booleanFlag(flags, name)));
    const input = (name: string) => {
      const value = flagOrEnv(flags, name);
      // The action takes the key itself; operators keep it in a file.
      if (name === 'identity' && value)
        return (
          readFileSync(value, 'utf8')
            .split('\n')
            .find((l) => l.startsWith('AGE-SECRET-KEY-')) ?? ''
        );
      if (name === 'signing-key' && value) return readFileSync(value, 'utf8');
      return value;
    };
    const core = terminalCore(input);
    const inputs = new Inputs(core, defaults);
    const backup = readBackupInputs(inputs, core);
    inputs.done();
    let verified = false;
    await runBackupJob(core, backup, {
      backedUp: ({ manifest, durationMs }) => {
        core.setOutput('key', manifest.key);
        core.setOutput('size-bytes', String(manifest.size_bytes));
        core.setOutput('sha256', manifest.sha256);
        core.setOutput('duration-seconds', (durationMs / 1000).toFixed(1));
      },
      verified: () => (verified = true),
    });
    core.setOutput('verified', String(verified));
  });
};
