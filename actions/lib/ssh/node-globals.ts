// ncc bundles actions as ES modules, where CommonJS's `__dirname` does not exist; ssh2's bundled
// poly1305 (emscripten) code reads it when it loads. Imported before ssh2, this defines it as the
// bundle's directory. Harmless when the global already exists (CommonJS, Vitest).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const scope = globalThis as { __dirname?: string };
scope.__dirname ??= dirname(fileURLToPath(import.meta.url));
