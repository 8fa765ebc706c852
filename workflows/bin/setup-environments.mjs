// Entry point of scripts/setup-environments: TypeScript sources run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/setup/cli.ts');
process.exitCode = await main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`setup-environments: ${error instanceof Error ? error.message : String(error)}\n`);
  return 2;
});
