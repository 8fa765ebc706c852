// Runs after `next build` (`npm run build -w apps/web`):
//  1. moves the browser source maps out of `.next/static` (served publicly at /_next/static) into
//     `.next/sourcemaps/static` (never served), keeping relative paths, each with a copy of its
//     chunk: the directory deploy.yml uploads to Sentry (actions/sourcemap-upload, url prefix
//     `~/_next/`), whose chunks carry the same debug IDs as the served ones, byte for byte;
//  2. completes `.next/standalone` with the static assets and public/, as Next leaves that to us,
//     and the entry point start.mjs with telemetry.mjs, so `node .next/standalone/apps/web/start.mjs`
//     (and the image) serve everything;
//  3. adds what the entry point loads (@contextai/telemetry: pino, prom-client, OpenTelemetry) to
//     the standalone node_modules, traced with @vercel/nft as Next traces the pages' own.
// Idempotent.
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFileTrace } from '@vercel/nft';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const next = join(appDir, '.next');
const staticDir = join(next, 'static');
const mapsDir = join(next, 'sourcemaps/static');
// outputFileTracingRoot is the repository root, so the app sits at apps/web inside standalone/.
const standaloneApp = join(next, 'standalone/apps/web');
const SOURCE_MAPPING_URL = /\/\/# sourceMappingURL=(\S+)\s*$/;

const files = readdirSync(staticDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => join(entry.parentPath, entry.name));
// A new build's maps replace the previous ones (a second run finds none, and keeps them).
if (files.some((f) => f.endsWith('.map'))) rmSync(mapsDir, { recursive: true, force: true });
// Turbopack names a chunk's map differently from the chunk: the chunk's sourceMappingURL links them.
let chunks = 0;
for (const file of files.filter((f) => f.endsWith('.js'))) {
  const map = SOURCE_MAPPING_URL.exec(readFileSync(file, 'utf8').slice(-512))?.[1];
  if (!map || map.includes(':') || !existsSync(join(dirname(file), map))) continue;
  const to = join(mapsDir, relative(staticDir, file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
  chunks++;
}
let moved = 0;
for (const from of files.filter((f) => f.endsWith('.map'))) {
  const to = join(mapsDir, relative(staticDir, from));
  mkdirSync(dirname(to), { recursive: true });
  renameSync(from, to);
  moved++;
}

rmSync(join(standaloneApp, '.next/static'), { recursive: true, force: true });
cpSync(staticDir, join(standaloneApp, '.next/static'), { recursive: true });
if (existsSync(join(appDir, 'public')))
  cpSync(join(appDir, 'public'), join(standaloneApp, 'public'), { recursive: true });
// The entry point next to server.js: telemetry first, exit 0 after a graceful SIGTERM stop.
const entries = ['start.mjs', 'env.mjs', 'telemetry.mjs'];
for (const entry of entries) cpSync(join(appDir, 'server', entry), join(standaloneApp, entry));

// Their dependencies, at the same paths under standalone/ as under the repository root (symlinks,
// such as the workspace link node_modules/@contextai/telemetry, recreated as symlinks).
const repoRoot = join(appDir, '../..');
const standalone = join(next, 'standalone');
const { fileList } = await nodeFileTrace(
  entries.map((entry) => join(appDir, 'server', entry)),
  { base: repoRoot },
);
let added = 0;
for (const file of [...fileList].sort()) {
  if (file.startsWith('apps/web/server/')) continue;
  const from = join(repoRoot, file);
  const to = join(standalone, file);
  if (existsSync(to) || lstatSync(to, { throwIfNoEntry: false })) continue;
  const stat = lstatSync(from);
  mkdirSync(dirname(to), { recursive: true });
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (stat.isFile()) copyFileSync(from, to);
  else continue;
  added++;
}

console.log(
  `postbuild: moved ${moved} source map(s) to .next/sourcemaps/static, with a copy of their ${chunks} chunk(s) for Sentry; standalone server is complete (${added} file(s) for the entry point)`,
);
