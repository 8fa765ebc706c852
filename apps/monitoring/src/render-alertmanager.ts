// `npx tsx apps/monitoring/src/render-alertmanager.ts <out>`: renders the Alertmanager configuration
// from the environment (the names of SETTINGS in alertmanager-config.ts) into <out>, atomically.
import { renameSync, writeFileSync } from 'node:fs';
import { renderAlertmanagerConfig } from './alertmanager-config';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: render-alertmanager <out.yml>   (settings from the environment)\n');
  process.exit(2);
}
try {
  const text = renderAlertmanagerConfig(process.env);
  writeFileSync(`${out}.tmp`, text, { mode: 0o644 });
  renameSync(`${out}.tmp`, out);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
