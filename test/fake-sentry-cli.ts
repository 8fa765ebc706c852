// `tsx test/fake-sentry-cli.ts <env-file>`: runs the fake Sentry (test/fake-sentry.ts) for the
// rehearsal. Once it listens, appends the deploy workflow's Sentry secret and variables (its URL,
// org, projects and the one token it accepts) to <env-file>; on SIGTERM prints what it received
// (bundles, debug IDs, releases, deploys) and exits.
import { appendFileSync } from 'node:fs';
import { quote } from '../workflows/src/rehearsal-env';
import { startFakeSentry } from './fake-sentry';

const [envFile] = process.argv.slice(2);
if (!envFile) {
  process.stderr.write('usage: fake-sentry-cli <env-file>\n');
  process.exit(2);
}
const sentry = await startFakeSentry();
const values = {
  'secrets.SENTRY_AUTH_TOKEN': sentry.token,
  'vars.SENTRY_URL': sentry.url,
  'vars.SENTRY_ORG': sentry.org,
  'vars.SENTRY_PROJECT_API': 'contextai-api',
};
appendFileSync(
  envFile,
  Object.entries(values)
    .map(([k, v]) => `${k}=${quote(v)}\n`)
    .join(''),
);
process.stdout.write(`fake Sentry on ${sentry.url}\n`);

process.once('SIGTERM', () => {
  const debugIds = new Set(
    sentry.bundles.flatMap((b) => Object.values(b.manifest.files).map((f) => f.headers?.['debug-id'])),
  );
  process.stdout.write(
    [
      `fake Sentry received ${sentry.bundles.length} bundle(s) with ${debugIds.size} debug ID(s)`,
      `releases: ${[...sentry.releases.keys()].join(', ') || 'none'}`,
      `deploys: ${sentry.deploys.map((d) => `${d.release} → ${d.environment}`).join(', ') || 'none'}`,
    ].join('\n') + '\n',
  );
  void sentry.close().then(() => process.exit(0));
});
