import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface SpawnOptions {
  env: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
  /** Aborting kills the process group (a cancelled job). */
  signal?: AbortSignal;
  /** Called with each complete stdout/stderr line as it arrives (for live, masked logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs a command to completion, collecting its output; kills its process group on timeout. */
export function runProcess(command: string, args: string[], options: SpawnOptions): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collected = { stdout: '', stderr: '' };
    const pending = { stdout: '', stderr: '' };
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      collected[stream] += text;
      if (!options.onLine) return;
      const lines = (pending[stream] + text).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, stream);
    };
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs ?? 3_600_000);
    const abort = () => killGroup(child.pid);
    options.signal?.addEventListener('abort', abort);
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', abort);
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', abort);
      clearTimeout(timer);
      for (const stream of ['stdout', 'stderr'] as const)
        if (pending[stream] && options.onLine) options.onLine(pending[stream], stream);
      resolvePromise({ code, stdout: collected.stdout, stderr: collected.stderr, timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
