import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Stage } from './plan';

export interface StageExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process wrote to stderr (callers redact before printing). */
  stderr: string;
}

export interface Pipeline {
  /** Stdin of the first process, when `input: 'pipe'`. */
  input?: Writable;
  /** Stdout of the last process, when `output: 'pipe'`. */
  output?: Readable;
  /** Resolves when every process has exited, in stage order, whatever their status. */
  exits: Promise<StageExit[]>;
  /** Terminates every process still running. */
  kill(): void;
}

export interface PipelineOptions {
  env?: NodeJS.ProcessEnv;
  input?: 'pipe' | 'ignore';
  output?: 'pipe' | 'ignore';
}

const STDERR_TAIL = 4_000;

/**
 * Runs processes connected by OS pipes (`a | b | c`) without a shell. Unlike a shell
 * without `pipefail`, every process's exit status is reported, so a pg_dump that dies
 * while zstd and age finish cleanly is still seen as a failure.
 */
export function startPipeline(stages: Stage[], options: PipelineOptions = {}): Pipeline {
  const children: ChildProcess[] = [];
  const exits: Promise<StageExit>[] = [];
  let previous: Readable | undefined;
  for (const [i, stage] of stages.entries()) {
    const first = i === 0;
    const last = i === stages.length - 1;
    const stdin = first ? (options.input ?? 'ignore') : previous!;
    const stdout = last ? (options.output ?? 'pipe') : 'pipe';
    const child = spawn(stage.argv[0]!, stage.argv.slice(1), {
      env: options.env ?? process.env,
      stdio: [stdin, stdout, 'pipe'],
    });
    // The child now owns the read end: the parent's copy must close, or a writer whose
    // reader died would block forever instead of getting SIGPIPE.
    if (!first) previous!.destroy();
    children.push(child);
    exits.push(waitExit(stage.name, child));
    previous = child.stdout ?? undefined;
  }
  return {
    input: children[0]?.stdin ?? undefined,
    output: options.output === 'ignore' ? undefined : (previous ?? undefined),
    exits: Promise.all(exits),
    kill: () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

function waitExit(name: string, child: ChildProcess): Promise<StageExit> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
  });
  return new Promise((resolve) => {
    child.on('error', (error) =>
      resolve({ name, code: 127, signal: null, stderr: `${name}: ${error.message}` }),
    );
    child.on('close', (code, signal) => resolve({ name, code, signal, stderr: stderr.trim() }));
  });
}

export function failedStages(exits: StageExit[]): StageExit[] {
  return exits.filter((e) => e.code !== 0 || e.signal !== null);
}

/** One line per failed process: what it said and how it ended. */
export function describeFailures(failed: StageExit[], redact: (text: string) => string): string {
  return failed
    .map((e) => {
      const how = e.signal ? `was killed by ${e.signal}` : `exited with ${e.code}`;
      const said = e.stderr ? `: ${redact(e.stderr.split('\n').slice(-3).join(' | '))}` : '';
      return `${e.name} ${how}${said}`;
    })
    .join('; ');
}
