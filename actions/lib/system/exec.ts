import { spawn } from 'node:child_process';
import { redact } from '../action/secrets';
import { CommandError } from './command-error';

export interface RunOptions {
  /** Written to the child's stdin, then stdin is closed (e.g. a password for `--password-stdin`). */
  stdin?: string;
  /** The child's whole environment; defaults to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the child (SIGTERM, then SIGKILL 5 s later) and fails after this long. */
  timeoutMs?: number;
  /** Called with each complete line of stdout and stderr as it arrives (for progress logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Resolve with the result on a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  /** Values removed from the CommandError message (the output tail may echo them). */
  secrets?: string[];
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const TAIL_LINES = 15;
const KILL_GRACE_MS = 5_000;

/**
 * Runs a command given as an argv array (never through a shell) and collects its
 * output. Throws a CommandError on a non-zero exit unless `allowFailure`.
 */
export function runCommand(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
  if (argv.length === 0 || !argv[0]) throw new Error('runCommand: empty command');
  const [file, ...args] = argv as [string, ...string[]];
  const display = displayCommand(argv);
  const fail = (message: string, result?: CommandResult, timedOut = false) =>
    new CommandError(redact(message, options.secrets ?? []), {
      command: display,
      code: result?.code,
      stderr: redact(result?.stderr ?? '', options.secrets ?? []),
      timedOut,
    });

  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = collector('stdout', options.onLine);
    const err = collector('stderr', options.onLine);
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    // A child that exits without reading stdin makes the write fail with EPIPE: the exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');

    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        }, options.timeoutMs)
      : undefined;

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = error.code === 'ENOENT' ? `\`${file}\` was not found on PATH` : error.message;
      reject(fail(`Cannot run \`${display}\`: ${reason}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const result = { code: code ?? 128, stdout: out.finish(), stderr: err.finish() };
      if (timedOut)
        return reject(
          fail(`\`${display}\` timed out after ${options.timeoutMs} ms${tail(result)}`, result, true),
        );
      if (result.code === 0 || options.allowFailure) return resolve(result);
      const how = signal ? `was killed by ${signal}` : `exited with code ${result.code}`;
      reject(fail(`\`${display}\` ${how}${tail(result)}`, result));
    });
  });
}

/** Accumulates a stream's text and hands complete lines to `onLine`. */
function collector(stream: 'stdout' | 'stderr', onLine: RunOptions['onLine']) {
  let text = '';
  let pending = '';
  return {
    push: (chunk: Buffer) => {
      const piece = chunk.toString('utf8');
      text += piece;
      if (!onLine) return;
      const lines = (pending + piece).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line, stream);
    },
    finish: () => {
      if (onLine && pending) onLine(pending, stream);
      pending = '';
      return text;
    },
  };
}

/** The last lines of stderr (or stdout when stderr is empty), to explain a failure. */
function tail(result: CommandResult): string {
  const source = result.stderr.trim() || result.stdout.trim();
  if (!source) return '.';
  const lines = source.split(/\r?\n/).slice(-TAIL_LINES);
  return `:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** The command for messages: bare words, or JSON-quoted when a word has spaces or shell characters. */
function displayCommand(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}
