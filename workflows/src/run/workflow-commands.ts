import type { Masker } from '../masker';
import type { Reporter } from './reporter';
import type { Annotation } from './types';

const COMMAND = /^::([A-Za-z0-9_-]+)(?: ([^:]*))?::(.*)$/;

/** The runner's messages (actions/runner src/Runner.Common/Constants.cs). */
export const deprecatedCommand = (command: string) =>
  `The \`${command}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/`;
export const disabledCommand = (command: string) =>
  `The \`${command}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`;

/** What one step's workflow commands produced (the deprecated stdout forms of the file commands). */
export interface CommandEffects {
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  /** A command the runner refuses fails the step. */
  failed: boolean;
}

export interface CommandSink {
  masker: Masker;
  reporter: Reporter;
  annotations: Annotation[];
  job: string;
  step: string;
  /** `env` context of the step: ACTIONS_ALLOW_UNSECURE_COMMANDS may be set there. */
  env: Record<string, string>;
}

/** The runner's escaping of command data (`%25`, `%0D`, `%0A`) and properties (also `%3A`, `%2C`) undone. */
function unescapeData(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}
function unescapeProperty(text: string): string {
  return text
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%25/g, '%');
}

function properties(text: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) result[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
  }
  return result;
}

/**
 * Interprets a step's output line by line like the runner: `::add-mask::`, annotations, groups,
 * `::stop-commands::`, the deprecated `::set-output::`/`::save-state::` (honoured, with GitHub's
 * warning) and `::set-env::`/`::add-path::` (refused unless ACTIONS_ALLOW_UNSECURE_COMMANDS=true).
 */
export class CommandProcessor {
  readonly effects: CommandEffects = { outputs: {}, state: {}, env: {}, path: [], failed: false };
  private stopToken?: string;

  constructor(private readonly sink: CommandSink) {}

  line(raw: string): void {
    const { reporter } = this.sink;
    const line = raw.replace(/\r$/, '');
    const match = COMMAND.exec(line.trimStart());
    if (this.stopToken !== undefined) {
      if (match && match[1] === this.stopToken) this.stopToken = undefined;
      else reporter.line(`  │ ${line}`);
      return;
    }
    if (!match) {
      reporter.line(`  │ ${line}`);
      return;
    }
    const [, command, props, data = ''] = match as unknown as [string, string, string | undefined, string];
    const value = unescapeData(data);
    switch (command) {
      case 'add-mask':
        this.sink.masker.add(value);
        return;
      case 'debug':
      case 'echo':
        return;
      case 'group':
        reporter.line(`  ┌ ${value}`);
        return;
      case 'endgroup':
        reporter.line('  └');
        return;
      case 'stop-commands':
        this.stopToken = value;
        return;
      case 'error':
      case 'warning':
      case 'notice':
        this.annotate(command, value);
        return;
      case 'set-output':
      case 'save-state': {
        this.annotate('warning', deprecatedCommand(command));
        const name = properties(props).name;
        if (!name) return this.refuse(line, `Required field 'name' is missing in ##[${command}] command.`);
        (command === 'set-output' ? this.effects.outputs : this.effects.state)[name] = value;
        return;
      }
      case 'set-env':
      case 'add-path': {
        if (!this.unsecureAllowed()) return this.refuse(line, disabledCommand(command));
        if (command === 'add-path') this.effects.path.push(value);
        else {
          const name = properties(props).name;
          if (!name) return this.refuse(line, `Required field 'name' is missing in ##[set-env] command.`);
          if (name.toUpperCase() === 'NODE_OPTIONS')
            return this.annotate(
              'error',
              `Can't update NODE_OPTIONS environment variable using ::set-env:: command.`,
            );
          this.effects.env[name] = value;
        }
        return;
      }
      default:
        reporter.line(`  │ ${line}`);
        this.annotate('warning', `Can't find command extension for ##[${command}.command].`);
    }
  }

  private unsecureAllowed(): boolean {
    const value =
      this.sink.env.ACTIONS_ALLOW_UNSECURE_COMMANDS ?? process.env.ACTIONS_ALLOW_UNSECURE_COMMANDS;
    return String(value ?? '').toLowerCase() === 'true';
  }

  private refuse(line: string, reason: string): void {
    this.effects.failed = true;
    this.annotate('error', `Unable to process command '${line}' successfully.`);
    this.annotate('error', reason);
  }

  private annotate(level: Annotation['level'], text: string): void {
    const message = this.sink.masker.mask(text);
    this.sink.annotations.push({ level, job: this.sink.job, step: this.sink.step, message });
    const label = level === 'error' ? '✖ error' : level === 'warning' ? '⚠ warning' : 'ℹ notice';
    this.sink.reporter.line(`  │ ${label}: ${text.replace(/\n/g, '\n  │   ')}`);
  }
}
