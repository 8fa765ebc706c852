import type { StepsContext } from './steps';

const COMMAND = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/;

/** The runner's escaping of command data (`%25`, `%0D`, `%0A`) undone. */
function unescape(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/**
 * Interprets one line of a step's output like the runner: masks, annotations and groups are
 * commands, everything else is log. `::add-mask::` lines are consumed, never printed.
 */
export function handleCommandLine(
  line: string,
  ctx: Pick<StepsContext, 'options' | 'collected' | 'jobId'>,
): void {
  const match = COMMAND.exec(line.trimEnd());
  const { reporter, masker } = ctx.options;
  if (!match) {
    reporter.line(`  │ ${line}`);
    return;
  }
  const [, command, , data = ''] = match;
  const value = unescape(data);
  switch (command) {
    case 'add-mask':
      masker.add(value);
      return;
    case 'debug':
      return;
    case 'group':
      reporter.line(`  ┌ ${value}`);
      return;
    case 'endgroup':
      reporter.line('  └');
      return;
    case 'error':
    case 'warning':
    case 'notice': {
      const message = masker.mask(value);
      ctx.collected.annotations.push({ level: command, job: ctx.jobId, step: '', message });
      reporter.line(
        `  │ ${command === 'error' ? '✖ error' : command === 'warning' ? '⚠ warning' : 'ℹ notice'}: ${value.replace(/\n/g, '\n  │   ')}`,
      );
      return;
    }
    default:
      reporter.line(`  │ ${line}`);
  }
}
