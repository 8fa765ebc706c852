import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debugIdReport, findSourceFiles, mapDebugId } from '../scan';

const ID = '7e605c27-2468-59eb-b8ac-f0dc170e22f3';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sourcemap-scan-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('findSourceFiles', () => {
  it('finds what sentry-cli uploads: js/cjs/mjs/map/bundle files, recursively, skipping hidden entries', () => {
    const root = tree({
      'a.js': '',
      'a.js.map': '{}',
      'chunks/b.mjs': '',
      'chunks/b.mjs.map': '{}',
      'c.cjs': '',
      'app.jsbundle': '',
      'style.css': '',
      'types.d.ts': '',
      '.cache/x.js': '',
      '.hidden.js.map': '{}',
      Makefile: '',
    });
    const found = findSourceFiles([root]);
    expect(found.files.map((f) => f.slice(root.length + 1))).toEqual([
      'a.js',
      'a.js.map',
      'app.jsbundle',
      'c.cjs',
      'chunks/b.mjs',
      'chunks/b.mjs.map',
    ]);
    expect(found.maps.map((f) => f.slice(root.length + 1))).toEqual(['a.js.map', 'chunks/b.mjs.map']);
  });

  it('follows symlinked directories, as sentry-cli does', () => {
    const target = tree({ 'lib.js': '', 'lib.js.map': '{}' });
    const root = tree({ 'main.js': '' });
    symlinkSync(target, join(root, 'linked'));
    expect(findSourceFiles([root]).maps).toEqual([join(root, 'linked', 'lib.js.map')]);
  });

  it('refuses directories without a single source map, naming them', () => {
    const a = tree({ 'a.js': '' });
    const b = tree({ 'b.js': '', 'notes.txt': '' });
    expect(() => findSourceFiles([a, b])).toThrow(`No source maps (*.map) found in ${a}, ${b}`);
  });
});

describe('debug IDs of maps', () => {
  it('reads debug_id (sentry-cli) and debugId (bundlers), lower-cased; counts maps without one', () => {
    const root = tree({
      'a.js.map': JSON.stringify({ version: 3, debug_id: ID }),
      'b.js.map': JSON.stringify({ version: 3, debugId: ID.toUpperCase() }),
      'c.js.map': JSON.stringify({ version: 3 }),
      'd.js.map': 'not json',
      'e.js.map': JSON.stringify({ debug_id: 'not-a-uuid' }),
    });
    expect(mapDebugId(join(root, 'b.js.map'))).toBe(ID);
    const report = debugIdReport(
      ['a', 'b', 'c', 'd', 'e'].map((n) => join(root, `${n}.js.map`)),
      root,
    );
    expect(report).toEqual({ ids: [ID], missing: ['c.js.map', 'd.js.map', 'e.js.map'] });
  });
});
