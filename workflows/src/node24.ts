import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
let found: string | undefined;

/**
 * The Node.js 24 binary that runs `node24` actions, as GitHub's runner does: this process's own node
 * when it is 24, else the one `scripts/node24` installs (pinned, from the npm registry).
 */
export function node24(): string {
  if (found) return found;
  if (process.versions.node.split('.')[0] === '24') return (found = process.execPath);
  const bin = execFileSync(join(REPO_ROOT, 'scripts', 'node24'), { encoding: 'utf8' }).trim();
  return (found = join(bin, 'node'));
}
