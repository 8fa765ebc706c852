// `tsx workflows/src/rehearsal-env-cli.ts <out> <identity-file> <recipient> <deploy-root> <site-url> <app-db-url> <scratch-db-url> <build-args>`
// Reads the stack's variables from the environment (scripts/rehearse evals `scripts/stack env` first).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { rehearsalEnv } from './rehearsal-env';

const [
  out,
  identityFile,
  ageRecipient,
  deployRoot,
  siteUrl,
  appDatabaseUrl,
  scratchDatabaseUrl,
  imageBuildArgs = '',
] = process.argv.slice(2);
if (
  !out ||
  !identityFile ||
  !ageRecipient ||
  !deployRoot ||
  !siteUrl ||
  !appDatabaseUrl ||
  !scratchDatabaseUrl
) {
  process.stderr.write(
    'usage: rehearsal-env-cli <out> <identity-file> <recipient> <deploy-root> <site-url> <app-db> <scratch-db> [build-args]\n',
  );
  process.exit(2);
}
const stack = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
);
const ageIdentity = readFileSync(identityFile, 'utf8')
  .split('\n')
  .find((line) => line.startsWith('AGE-SECRET-KEY-'));
if (!ageIdentity) throw new Error(`${identityFile} holds no AGE-SECRET-KEY`);
const text = rehearsalEnv(stack, {
  ageIdentity,
  ageRecipient,
  deployRoot,
  siteUrl,
  appDatabaseUrl,
  scratchDatabaseUrl,
  imageBuildArgs,
});
writeFileSync(out, text, { mode: 0o600 });
chmodSync(out, 0o600);
