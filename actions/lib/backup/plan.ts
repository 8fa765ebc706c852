/**
 * The processes of a backup and a restore, as argv arrays (no shell). Pure, so the exact
 * commands are unit-tested and can be shown in docs; `pipeline.ts` runs them.
 *
 * Backup: pg_dump (custom format, uncompressed) | zstd | age → a FIFO the S3 upload reads.
 * Measured here (docs/BACKUPS.md): `pg_dump -Z0 | zstd -1 -T0` is ~2.5x faster than
 * `pg_dump -Z1` and 20% smaller; the age binary encrypts at >1 GiB/s, the age-encryption
 * npm package at ~80 MiB/s on the event loop.
 */
export interface Stage {
  name: string;
  argv: string[];
}

export interface DumpPlan {
  /** Connection URL without the password (that travels in PGPASSWORD). */
  urlWithoutPassword: string;
  snapshot: string;
  compressionLevel: number;
  recipients: string[];
  /** Where age writes the ciphertext (the FIFO the upload reads, see fifo.ts). */
  outputPath: string;
}

export function dumpStages(plan: DumpPlan): Stage[] {
  return [
    {
      name: 'pg_dump',
      argv: [
        'pg_dump',
        '--format=custom',
        '--compress=0',
        `--snapshot=${plan.snapshot}`,
        `--dbname=${plan.urlWithoutPassword}`,
      ],
    },
    { name: 'zstd', argv: ['zstd', `-${plan.compressionLevel}`, '--threads=0', '--quiet', '--stdout'] },
    {
      name: 'age',
      argv: [
        'age',
        '--encrypt',
        ...plan.recipients.flatMap((r) => ['--recipient', r]),
        '--output',
        plan.outputPath,
      ],
    },
  ];
}

/** Decrypts stdin and writes the plain custom-format dump to `dumpPath`. */
export function decryptStages(identityPath: string, dumpPath: string): Stage[] {
  return [
    { name: 'age', argv: ['age', '--decrypt', '--identity', identityPath] },
    { name: 'zstd', argv: ['zstd', '--decompress', '--quiet', '--force', '-o', dumpPath] },
  ];
}

export interface RestorePlan {
  urlWithoutPassword: string;
  dumpPath: string;
  jobs: number;
  /** Drop the dump's objects before recreating them (`--clean --if-exists`). */
  clean: boolean;
  /** Skip ownership and grants: for scratch databases whose roles differ from production. */
  noOwner: boolean;
}

export function restoreArgv(plan: RestorePlan): string[] {
  return [
    'pg_restore',
    '--exit-on-error',
    `--jobs=${plan.jobs}`,
    ...(plan.clean ? ['--clean', '--if-exists'] : []),
    ...(plan.noOwner ? ['--no-owner', '--no-acl'] : []),
    `--dbname=${plan.urlWithoutPassword}`,
    plan.dumpPath,
  ];
}

/** `--version` commands whose answers go into the manifest; failing one means a missing tool. */
export const TOOL_VERSIONS: Record<'pg_dump' | 'zstd' | 'age', string[]> = {
  pg_dump: ['pg_dump', '--version'],
  zstd: ['zstd', '--version'],
  age: ['age', '--version'],
};

/** age X25519 recipients: `age1` + 58 bech32 characters. */
export const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
/** age X25519 identities. */
export const AGE_IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;
