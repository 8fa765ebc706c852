import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TOOL_VERSIONS } from './plan';

const run = promisify(execFile);

/** Versions of the tools a backup runs, for the manifest; a missing tool is named here. */
export async function toolVersions(
  names: (keyof typeof TOOL_VERSIONS)[] = ['pg_dump', 'zstd', 'age'],
): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  const missing: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const [cmd, ...args] = TOOL_VERSIONS[name];
      try {
        const { stdout, stderr } = await run(cmd!, args, { timeout: 10_000 });
        versions[name] = parseVersion(`${stdout}\n${stderr}`);
      } catch {
        missing.push(name);
      }
    }),
  );
  if (missing.length > 0)
    throw new Error(
      `Missing tool(s): ${missing.join(', ')}. Install them first (Debian/Ubuntu: \`apt-get install -y postgresql-client zstd age\`; pg_dump must be at least the server's major version).`,
    );
  return versions;
}

/** `pg_dump (PostgreSQL) 15.14` → `15.14`; `*** Zstandard CLI (64-bit) v1.5.4, ...` → `1.5.4`; `1.1.1` → `1.1.1`. */
export function parseVersion(text: string): string {
  return /v?(\d+(?:\.\d+)+)/.exec(text)?.[1] ?? text.trim().split('\n')[0]!.slice(0, 60);
}
