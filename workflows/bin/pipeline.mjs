// Entry point of the `pipeline` command: TypeScript sources run through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`pipeline: ${error instanceof Error ? error.message : String(error)}\n`);
  return 2;
});
