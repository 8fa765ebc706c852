// Runs after `next build` (`npm run build -w apps/web`):
//  1. moves the browser source maps out of `.next/static` (served publicly at /_next/static) into
//     `.next/sourcemaps/static` (never served), keeping relative paths for a later Sentry upload;
//  2. completes `.next/standalone` with the static assets and public/, as Next leaves that to us,
//     and the entry point start.mjs, so `node .next/standalone/apps/web/start.mjs` (and the image)
//     serve everything.
// Idempotent.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const next = join(appDir, '.next');
const staticDir = join(next, 'static');
const mapsDir = join(next, 'sourcemaps/static');
// outputFileTracingRoot is the repository root, so the app sits at apps/web inside standalone/.
const standaloneApp = join(next, 'standalone/apps/web');

rmSync(mapsDir, { recursive: true, force: true });
let moved = 0;
for (const entry of readdirSync(staticDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.map')) continue;
  const from = join(entry.parentPath, entry.name);
  const to = join(mapsDir, relative(staticDir, from));
  mkdirSync(dirname(to), { recursive: true });
  renameSync(from, to);
  moved++;
}

rmSync(join(standaloneApp, '.next/static'), { recursive: true, force: true });
cpSync(staticDir, join(standaloneApp, '.next/static'), { recursive: true });
if (existsSync(join(appDir, 'public')))
  cpSync(join(appDir, 'public'), join(standaloneApp, 'public'), { recursive: true });
// The entry point next to server.js: exit 0 after a graceful SIGTERM stop (see server/start.mjs).
cpSync(join(appDir, 'server/start.mjs'), join(standaloneApp, 'start.mjs'));

console.log(
  `postbuild: moved ${moved} source map(s) to .next/sourcemaps/static; standalone server is complete`,
);
