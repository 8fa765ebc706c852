#!/usr/bin/env node
// Bundles every action (actions/<name>/action.yml) with ncc into actions/<name>/dist/, and the
// EXTRA_BUNDLES below.
// `--check` builds into a temporary directory instead and fails when the committed
// dist/ differs, so a stale bundle never reaches GitHub's runner.
// Bundling only transpiles: type errors are the job of `npm run typecheck`, so one
// half-written test elsewhere in the tree cannot block every bundle.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const ncc = join(root, 'node_modules', '.bin', 'ncc');

// Bundles that are not actions: name → [entry, output dir]. Operator commands run these so they
// start without compiling TypeScript; they are checked for staleness like every dist/.
const EXTRA_BUNDLES = {
  'backup-cli': ['scripts/lib/backup/index.ts', 'scripts/lib/backup/dist'],
};

const actions = [
  ...readdirSync(join(root, 'actions')).filter((name) =>
    existsSync(join(root, 'actions', name, 'action.yml')),
  ),
  ...Object.keys(EXTRA_BUNDLES),
].filter((name) => only.length === 0 || only.includes(name));

const scratch = check ? mkdtempSync(join(tmpdir(), 'check-dist-')) : undefined;
const results = await inPool(actions, availableParallelism(), bundle);
if (scratch) rmSync(scratch, { recursive: true, force: true });

const failed = results.filter((r) => r.failed).map((r) => r.name);
const stale = results.filter((r) => r.diff?.length).map((r) => `${r.name}: ${r.diff.join(', ')}`);
if (failed.length > 0) console.error(`\nncc failed for: ${failed.join(', ')}`);
if (stale.length > 0)
  console.error(
    `\ndist/ is stale for:\n  ${stale.join('\n  ')}\nRun \`npm run build\` and commit the result.`,
  );
if (failed.length > 0 || stale.length > 0) process.exit(1);

async function bundle(name) {
  const [entry, dist] = EXTRA_BUNDLES[name] ?? [
    join('actions', name, 'src', 'index.ts'),
    join('actions', name, 'dist'),
  ];
  const committed = join(root, dist);
  const out = scratch ? join(scratch, name) : committed;
  if (!scratch) rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  const args = [
    'build',
    entry,
    '-o',
    out,
    '--no-cache',
    '--transpile-only',
    '--license',
    'licenses.txt',
    '-q',
  ];
  const code = await new Promise((done) =>
    spawn(ncc, args, { cwd: root, stdio: 'inherit' }).on('close', done),
  );
  const took = `${Date.now() - started} ms`;
  if (code !== 0) {
    console.error(`✖ ${name}: ncc failed`);
    return { name, failed: true };
  }
  if (!scratch) {
    console.log(`✔ ${name} → ${relative(root, out)} (${took})`);
    return { name };
  }
  const diff = differences(committed, out);
  console.log(`${diff.length ? '✖' : '✔'} ${name} (${took})`);
  return { name, diff };
}

async function inPool(items, size, work) {
  const results = [];
  const queue = [...items];
  const worker = async () => {
    while (queue.length > 0) results.push(await work(queue.shift()));
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
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
