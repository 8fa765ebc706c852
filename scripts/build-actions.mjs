#!/usr/bin/env node
// Bundles every action (actions/<name>/action.yml) with ncc into actions/<name>/dist/.
// `--check` builds into a temporary directory instead and fails when the committed
// dist/ differs, so a stale bundle never reaches GitHub's runner.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const ncc = join(root, 'node_modules', '.bin', 'ncc');

const actions = readdirSync(join(root, 'actions'))
  .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')))
  .filter((name) => only.length === 0 || only.includes(name));

const scratch = check ? mkdtempSync(join(tmpdir(), 'check-dist-')) : undefined;
const stale = [];
for (const name of actions) {
  const committed = join(root, 'actions', name, 'dist');
  const out = scratch ? join(scratch, name) : committed;
  if (!scratch) rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  const result = spawnSync(
    ncc,
    [
      'build',
      join('actions', name, 'src', 'index.ts'),
      '-o',
      out,
      '--no-cache',
      '--license',
      'licenses.txt',
      '-q',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0) {
    console.error(`✖ ${name}: ncc failed`);
    process.exit(1);
  }
  if (scratch) {
    const diff = differences(committed, out);
    if (diff.length > 0) stale.push(`${name}: ${diff.join(', ')}`);
    console.log(`${diff.length ? '✖' : '✔'} ${name} (${Date.now() - started} ms)`);
  } else {
    console.log(`✔ ${name} → ${relative(root, out)} (${Date.now() - started} ms)`);
  }
}
if (scratch) rmSync(scratch, { recursive: true, force: true });
if (stale.length > 0) {
  console.error(
    `\ndist/ is stale for:\n  ${stale.join('\n  ')}\nRun \`npm run build\` and commit the result.`,
  );
  process.exit(1);
}

function differences(committedDir, freshDir) {
  const names = new Set([...listFiles(committedDir), ...listFiles(freshDir)]);
  const diff = [];
  for (const file of names) {
    const a = join(committedDir, file);
    const b = join(freshDir, file);
    if (!existsSync(a)) diff.push(`${file} missing`);
    else if (!existsSync(b)) diff.push(`${file} should not exist`);
    else if (!readFileSync(a).equals(readFileSync(b))) diff.push(`${file} differs`);
  }
  return diff;
}

function listFiles(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path, join(prefix, entry)) : [join(prefix, entry)];
  });
}
