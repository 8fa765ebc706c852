// `tsx workflows/src/rehearsal-env-cli.ts <out> <identity-file> <recipient> <deploy-root> <site-port> <app-db-url> <scratch-db-url> [build-args]`
// Writes the rehearsal's env file (mode 0600) and its nginx site into STACK_NGINX_CONFD. Reads the
// stack's variables from the environment (scripts/rehearse evals `scripts/stack env` first), and
// optional REHEARSAL_API_PORTS / REHEARSAL_WEB_PORTS (slot port pairs, e.g. `3201,3202`).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ageMirror, backupSigningKey, rehearsalEnv, rehearsalSite } from './rehearsal-env';

const [
  out,
  identityFile,
  ageRecipient,
  deployRoot,
  port,
  appDatabaseUrl,
  scratchDatabaseUrl,
  imageBuildArgs = '',
] = process.argv.slice(2);
if (
  !out ||
  !identityFile ||
  !ageRecipient ||
  !deployRoot ||
  !port ||
  !appDatabaseUrl ||
  !scratchDatabaseUrl
) {
  process.stderr.write(
    'usage: rehearsal-env-cli <out> <identity-file> <recipient> <deploy-root> <site-port> <app-db> <scratch-db> [build-args]\n',
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
const siteUrl = `http://127.0.0.1:${port}`;
const internalPort = Number(stack.REHEARSAL_INTERNAL_PORT ?? Number(port) + 100);
const internalUrl = `http://127.0.0.1:${internalPort}`;
writeFileSync(
  out,
  rehearsalEnv(stack, {
    ageIdentity,
    ageRecipient,
    deployRoot,
    siteUrl,
    internalUrl,
    appDatabaseUrl,
    scratchDatabaseUrl,
    imageBuildArgs,
    // A second rehearsal stack on the same machine needs other slot ports than the first one's.
    apiPorts: stack.REHEARSAL_API_PORTS,
    webPorts: stack.REHEARSAL_WEB_PORTS,
    ageMirror: ageMirror(dirname(out)),
    backupSigning: backupSigningKey(dirname(out)),
  }),
  {
    mode: 0o600,
  },
);
const site = join(stack.STACK_NGINX_CONFD ?? '', 'rehearsal.conf');
writeFileSync(
  site,
  rehearsalSite({ port: Number(port), internalPort, deployRoot, apiApp: 'api', webApp: 'web' }),
  {
    mode: 0o644,
  },
);
process.stdout.write(`env file ${out} (0600), nginx site ${site} on ${siteUrl}\n`);
