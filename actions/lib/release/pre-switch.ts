// The deploy's steps before any host switches: pull the image, and run the pre-switch command
// (e.g. migrations) once, in a one-off container of the new image.
import { formatDuration } from '../action/duration';
import { errorMessage } from '../action/run';
import * as plan from './plan';
import { registryService } from '../image/image-name';
import { explainNetworkError } from '../system/network-error';
import type { Remote } from './remote';
import type { ImageTarget } from './types';

/** Registry credentials for `login --password-stdin`. */
export interface RegistryLogin {
  server: string;
  username: string;
  password: string;
}

/** The pre-switch command: plain words, and how long it may run. */
export interface PreSwitchCommand {
  argv: string[];
  timeoutMs: number;
}

const PULL_TIMEOUT_MS = 15 * 60_000;
/** Pull directories older than this were left by a killed run (twice the pull timeout). */
const STALE_AUTH_DIR_MINUTES = (2 * PULL_TIMEOUT_MS) / 60_000;

/**
 * Pulls the image; with credentials, logs in for this pull only (a private temp dir removed after
 * the pull whatever its outcome, see plan.PullAuth). Returns how long it took.
 */
export async function pullImage(remote: Remote, image: string, registry?: RegistryLogin): Promise<number> {
  const started = Date.now();
  try {
    if (registry) await pullWithLogin(remote, image, registry);
    else await remote.exec(plan.pullCommand(remote.settings, image), { timeoutMs: PULL_TIMEOUT_MS });
  } catch (error) {
    throw explainNetworkError(error, registryService(image, remote.label));
  }
  const ms = Date.now() - started;
  remote.log(`pulled ${image} in ${formatDuration(ms)}`);
  return ms;
}

async function pullWithLogin(remote: Remote, image: string, registry: RegistryLogin): Promise<void> {
  const s = remote.settings;
  await sweepStaleAuthDirs(remote);
  const auth = { dir: (await remote.exec(plan.makeAuthDirCommand())).stdout.trim() };
  try {
    await remote.exec(plan.loginCommand(s, registry.server, registry.username, auth), {
      stdin: registry.password,
    });
    await remote.exec(plan.pullCommand(s, image, auth), { timeoutMs: PULL_TIMEOUT_MS });
  } finally {
    const removed = await remote.exec(plan.removeAuthDirCommand(auth), { allowFailure: true });
    if (removed.code !== 0)
      remote.log(
        `warning: could not remove the registry credentials in ${auth.dir}: ${removed.stderr.trim()}`,
      );
  }
}

/** Removes the credentials a killed run left behind (its own removal never ran), and says so. */
async function sweepStaleAuthDirs(remote: Remote): Promise<void> {
  const swept = await remote.exec(plan.sweepStaleAuthDirsCommand(STALE_AUTH_DIR_MINUTES), {
    allowFailure: true,
  });
  const dirs = swept.stdout.split('\n').filter(Boolean);
  if (dirs.length > 0)
    remote.log(`removed registry credentials left by an interrupted run: ${dirs.join(', ')}`);
  if (swept.code !== 0)
    remote.log(`warning: could not sweep old registry credential directories: ${swept.stderr.trim()}`);
}

/**
 * Runs the pre-switch command in a one-off container of the new image with the app's env file.
 * Throws with its last output lines when it fails (nothing is switched); returns how long it took.
 */
export async function runPreSwitch(
  remote: Remote,
  target: ImageTarget,
  command: PreSwitchCommand,
  serving: string | undefined,
): Promise<number> {
  const s = remote.settings;
  const started = Date.now();
  const name = plan.preSwitchName(s.app, target.version);
  const shown = `\`${command.argv.join(' ')}\``;
  const keeps = `nothing was switched and ${serving ?? 'nothing'} keeps serving`;
  // A container left by an interrupted run would block the name.
  await remote.exec(plan.removeCommand(s, [name]), { allowFailure: true });
  remote.log(`running the pre-switch command ${shown} in ${target.image}`);
  const envFile = plan.releaseEnvFile(remote.layout, target.version);
  const argv = plan.preSwitchCommand(s, target, envFile, command.argv);
  let result;
  try {
    result = await remote.exec(argv, { allowFailure: true, timeoutMs: command.timeoutMs });
  } catch (error) {
    await remote.exec(plan.removeCommand(s, [name]), { allowFailure: true });
    throw new Error(`the pre-switch command ${shown} did not finish (${errorMessage(error)}); ${keeps}.`);
  }
  const output = `${result.stdout}${result.stderr}`;
  if (result.code !== 0)
    throw new Error(
      `the pre-switch command ${shown} exited ${result.code}; ${keeps}. Its last output lines:\n${plan.lastLines(output)}`,
    );
  const ms = Date.now() - started;
  remote.showLogs(`output of the pre-switch command ${shown}`, output);
  remote.log(`pre-switch command ${shown} succeeded in ${formatDuration(ms)}`);
  return ms;
}
