// The local stack's env contract (`scripts/stack env`) as an object, for integration tests.
//
//   import { stackEnv } from '../../test/stack-env.js'
//   const env = stackEnv()            // { STACK_SSH_PORT: '2222', STACK_PODMAN: 'podman --runtime …', … }
//
// The script prints shell assignments (KEY=value, single quotes around values with spaces); this
// parses the same subset of shell quoting a POSIX shell would, so values are exactly what
// `eval "$(scripts/stack env)"` gives a shell.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const STACK_SCRIPT = resolve(REPO_ROOT, 'scripts/stack');

const cache = new Map<string, Record<string, string>>();

/**
 * The stack's variables. Runs `scripts/stack env` once per STACK_DIR (the caller's STACK_DIR and
 * port overrides are passed through) and caches the result. Throws with the script's stderr when it fails.
 */
export function stackEnv(): Record<string, string> {
  const key = process.env.STACK_DIR ?? '';
  let env = cache.get(key);
  if (!env) {
    let out: string;
    try {
      out = execFileSync('bash', [STACK_SCRIPT, 'env'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`scripts/stack env failed: ${stderr.trim() || String(err)}`);
    }
    env = parseStackEnv(out);
    if (!env.STACK_DIR) throw new Error(`scripts/stack env printed no STACK_DIR:\n${out}`);
    cache.set(key, env);
  }
  return { ...env };
}

/** One variable, with a clear error when the stack does not provide it. */
export function stackVar(name: string): string {
  const value = stackEnv()[name];
  if (value === undefined) throw new Error(`${name} is not in the output of scripts/stack env`);
  return value;
}

/**
 * Parse `KEY=value` lines as a shell would: bare words (backslash escapes), '…' (literal), "…"
 * (\\ \" \$ \` escapes), concatenated (`'it'\''s'`). Blank lines, `# comments` and an `export `
 * prefix are accepted. Throws on anything else, rather than guessing.
 */
export function parseStackEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`stack env line ${n + 1} is not KEY=value: ${raw}`);
    env[m[1]!] = unquote(m[2]!, n + 1);
  }
  return env;
}

function unquote(word: string, lineNo: number): string {
  let out = '';
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`stack env line ${lineNo}: ${why} in ${word}`);
  };
  while (i < word.length) {
    const c = word[i]!;
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) fail('unterminated single quote');
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < word.length && word[i] !== '"') {
        if (word[i] === '\\' && i + 1 < word.length && '\\"$`'.includes(word[i + 1]!)) i++;
        else if (word[i] === '$' || word[i] === '`') fail('expansion inside double quotes');
        out += word[i++];
      }
      if (i >= word.length) fail('unterminated double quote');
      i++;
    } else if (c === '\\') {
      if (i + 1 >= word.length) fail('trailing backslash');
      out += word[i + 1];
      i += 2;
    } else if (/\s/.test(c)) {
      fail('unquoted whitespace');
    } else if ('$`;&|<>()'.includes(c)) {
      fail(`unquoted ${c}`);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
