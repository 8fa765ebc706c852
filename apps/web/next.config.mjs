import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A self-contained server (`.next/standalone`) with only the traced node_modules: what the image runs.
  output: 'standalone',
  // npm workspaces hoist dependencies to the repository root; trace from there.
  outputFileTracingRoot: resolve(here, '../..'),
  // Generated for Sentry (a later issue uploads them); `npm run build` moves them out of the
  // served directory (scripts/move-sourcemaps.mjs), so they are never public.
  productionBrowserSourceMaps: true,
  // The pages use no next/image: leave out sharp and its libvips (~20 MB) from the server bundle.
  images: { unoptimized: true },
  outputFileTracingExcludes: { '*': ['../../node_modules/sharp/**/*', '../../node_modules/@img/**/*'] },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
