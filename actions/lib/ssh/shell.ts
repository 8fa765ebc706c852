/** Characters that never need quoting in a POSIX shell word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for a POSIX shell: bare when safe, else single quotes (`'` becomes `'\''`). */
export function quoteArg(arg: string): string {
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Joins an argv array into one command line that a POSIX shell splits back into
 * exactly the same words: the only safe way to send a command over SSH, where the
 * remote side always runs it through the user's shell.
 */
export function shellQuote(argv: string[]): string {
  if (argv.length === 0) throw new Error('shellQuote: empty command');
  if (argv.some((arg) => arg.includes('\0'))) throw new Error('shellQuote: an argument contains a NUL byte');
  return argv.map(quoteArg).join(' ');
}
