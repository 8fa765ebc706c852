import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// ncc bundles actions as ES modules, where CommonJS's `__dirname` does not exist; ssh2's bundled
// poly1305 (emscripten) still reads it as a free variable while loading. Import this module first in
// an action's src/index.ts (before anything that loads ssh2): it defines the global for the bundle's dir.
const globals = globalThis as { __dirname?: string };
globals.__dirname ??= dirname(fileURLToPath(import.meta.url));
