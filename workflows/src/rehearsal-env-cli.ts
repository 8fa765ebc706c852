// `tsx workflows/src/rehearsal-env-cli.ts <out> <identity-file> <recipient> <deploy-root> <edge-dir> <app-db-url> <scratch-db-url> [build-args]`
// Writes the rehearsal's env file (mode 0600) and prepares the staging edge's first installation on
// the stack's nginx, as docs/SSL_SETUP.md does for a new host: the deploy user's certificate and
// webroot directories under <edge-dir>, a self-signed placeholder certificate while there is none,
// and the apps/proxy configuration while none is installed (later ones come from the pipeline's
// edge-deploy). Reads the stack's variables from the environment (scripts/rehearse evals
// `scripts/stack env` first), the ACME account key from `<out dir>/acme-account.key`, and optional
// REHEARSAL_DOMAIN (staging.contextai.test), REHEARSAL_HTTPS_PORT (8443), REHEARSAL_INTERNAL_PORT
// (8281), REHEARSAL_API_PORTS / REHEARSAL_WEB_PORTS (slot port pairs, e.g. `3201,3202`).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ageMirror,
  backupSigningKey,
  edgeUrls,
  installEdgeByHand,
  rehearsalEnv,
  writeRunnerCaFile,
  type RehearsalEdge,
} from './rehearsal-env';

const [
  out,
  identityFile,
  ageRecipient,
  deployRoot,
  edgeDir,
  appDatabaseUrl,
  scratchDatabaseUrl,
  imageBuildArgs = '',
] = process.argv.slice(2);
if (
  !out ||
  !identityFile ||
  !ageRecipient ||
  !deployRoot ||
  !edgeDir ||
  !appDatabaseUrl ||
  !scratchDatabaseUrl
) {
  process.stderr.write(
    'usage: rehearsal-env-cli <out> <identity-file> <recipient> <deploy-root> <edge-dir> <app-db> <scratch-db> [build-args]\n',
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
const work = dirname(out);
const confd = stack.STACK_NGINX_CONFD ?? '';
const edge: RehearsalEdge = {
  domains: [stack.REHEARSAL_DOMAIN ?? 'staging.contextai.test'],
  httpsPort: Number(stack.REHEARSAL_HTTPS_PORT ?? 8443),
  internalPort: Number(stack.REHEARSAL_INTERNAL_PORT ?? 8281),
  dir: edgeDir,
  configPath: join(confd, 'contextai.conf'),
  accessLog: join(stack.STACK_NGINX_PREFIX ?? '', 'logs', 'contextai.access.json.log'),
  caFile: join(work, 'edge-ca.pem'),
  acmeAccountKey: readFileSync(join(work, 'acme-account.key'), 'utf8'),
  runnerCaFile: join(work, 'runner-ca.pem'),
};
writeRunnerCaFile(edge.runnerCaFile, stack);
writeFileSync(
  out,
  rehearsalEnv(stack, {
    ageIdentity,
    ageRecipient,
    deployRoot,
    edge,
    appDatabaseUrl,
    scratchDatabaseUrl,
    imageBuildArgs,
    // A second rehearsal stack on the same machine needs other slot ports than the first one's.
    apiPorts: stack.REHEARSAL_API_PORTS,
    webPorts: stack.REHEARSAL_WEB_PORTS,
    ageMirror: ageMirror(work),
    backupSigning: backupSigningKey(work),
  }),
  { mode: 0o600 },
);

// The edge host's one-time setup (docs/SSL_SETUP.md section 1), as the deploy user owns it there.
for (const line of installEdgeByHand(stack, edge, { root: deployRoot, apiApp: 'api', webApp: 'web' }))
  process.stdout.write(`${line}\n`);
// The test-only site of earlier rehearsals (plain HTTP on 8181) never serves the apps again.
rmSync(join(confd, 'rehearsal.conf'), { force: true });
process.stdout.write(`env file ${out} (0600); staging edge ${edgeUrls(edge).siteUrl}\n`);
