import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What `sentry-cli sourcemaps upload` picks up by default (its DEFAULT_EXTENSIONS). */
export const UPLOAD_EXTENSIONS = ['js', 'cjs', 'mjs', 'map', 'jsbundle', 'bundle'];

export interface SourceFiles {
  /** Every file the upload will carry, absolute paths, sorted. */
  files: string[];
  /** The source maps among them. */
  maps: string[];
}

/**
 * Lists the files sentry-cli will upload from each directory, walking it as sentry-cli does:
 * recursively, following symlinks, skipping hidden entries. Throws when no directory holds a
 * single source map: an upload without maps only costs time and proves nothing.
 */
export function findSourceFiles(directories: string[]): SourceFiles {
  const files = directories.flatMap((dir) => walk(dir)).sort();
  const maps = files.filter((file) => file.endsWith('.map'));
  if (maps.length === 0)
    throw new Error(
      `No source maps (*.map) found in ${directories.join(', ')}: build with source maps on ` +
        '(tsc `--sourceMap`, Next.js `productionBrowserSourceMaps`, esbuild `--sourcemap`), and point `paths` at the build output.',
    );
  return { files, maps };
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      const extension = name.slice(name.lastIndexOf('.') + 1);
      return name.includes('.') && UPLOAD_EXTENSIONS.includes(extension) ? [path] : [];
    });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The debug ID a source map carries (`debug_id`, or `debugId` as bundlers write it), lower-case;
 * undefined when it has none or is not JSON.
 */
export function mapDebugId(path: string): string | undefined {
  try {
    const map = JSON.parse(readFileSync(path, 'utf8')) as { debug_id?: unknown; debugId?: unknown };
    const id = map.debug_id ?? map.debugId;
    return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export interface DebugIdReport {
  /** Distinct debug IDs of the maps, sorted. */
  ids: string[];
  /** Maps without one, relative to `base` for messages. */
  missing: string[];
}

export function debugIdReport(maps: string[], base: string): DebugIdReport {
  const ids = new Set<string>();
  const missing: string[] = [];
  for (const map of maps) {
    const id = mapDebugId(map);
    if (id) ids.add(id);
    else missing.push(relative(base, map) || map);
  }
  return { ids: [...ids].sort(), missing };
}
