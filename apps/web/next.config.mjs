import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A self-contained server (`.next/standalone`) with only the traced node_modules: what the image runs.
  output: 'standalone',
  // npm workspaces hoist dependencies to the repository root; trace from there.
  outputFileTracingRoot: resolve(here, '../..'),
  // Generated for Sentry; `npm run build` moves them out of the served directory into
  // .next/sourcemaps (scripts/postbuild.mjs), so they are never public, for deploy.yml to upload.
  productionBrowserSourceMaps: true,
  // TC39 debug IDs in every chunk and its map, derived from the content: an event's frames are
  // matched to the uploaded maps by ID, which holds only for the very code the image serves.
  turbopack: { debugIds: true },
  // One @sentry/nextjs for server/start.mjs (which initialises it) and instrumentation.ts.
  serverExternalPackages: ['@sentry/nextjs'],
  // The pages use no next/image: leave out sharp and its libvips (~20 MB) from the server bundle.
  images: { unoptimized: true },
  outputFileTracingExcludes: { '*': ['../../node_modules/sharp/**/*', '../../node_modules/@img/**/*'] },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
