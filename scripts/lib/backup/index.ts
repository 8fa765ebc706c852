// The operator commands in one bundle (scripts/lib/backup/dist/index.js, built with the actions
// by scripts/build-actions.mjs): `node dist/index.js <command> [options]`. A bundle starts in
// ~0.15 s where tsx needed ~0.5-1.5 s to compile the TypeScript first.
import { backupDatabase } from './backup-database';
import { listBackupsCommand } from './list-backups';
import { restoreDatabase } from './restore-database';

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  'backup-database': backupDatabase,
  'list-backups': listBackupsCommand,
  'restore-database': restoreDatabase,
};

const [name = '', ...argv] = process.argv.slice(2);
const command = commands[name];
if (command) await command(argv);
else {
  process.stderr.write(`usage: index.js ${Object.keys(commands).join('|')} [options]\n`);
  process.exitCode = 2;
}
