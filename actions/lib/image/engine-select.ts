import { runCommand } from '../system/exec';
import type { Engine, EngineName } from './engine';

/**
 * Picks the engine. `auto` means docker when its daemon answers `docker info`,
 * else buildah (daemonless), else podman.
 */
export async function resolveEngine(choice: EngineName | 'auto', flags: string[]): Promise<Engine> {
  if (choice !== 'auto') return { name: choice, prefix: [choice, ...flags] };
  if (await answers(['docker', 'info', '--format', '{{.ServerVersion}}']))
    return { name: 'docker', prefix: ['docker', ...flags] };
  for (const name of ['buildah', 'podman'] as const)
    if (await answers([name, '--version'])) return { name, prefix: [name, ...flags] };
  throw new Error(
    'No container engine found: no docker daemon answers and neither buildah nor podman is installed.',
  );
}

async function answers(argv: string[]): Promise<boolean> {
  try {
    const result = await runCommand(argv, { allowFailure: true, timeoutMs: 20_000 });
    return result.code === 0;
  } catch {
    return false;
  }
}
