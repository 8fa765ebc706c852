// Entry point (`node dist/main.js`). Order matters: the environment is validated first (nothing
// connects or listens with a bad one), then telemetry starts — tracing patches http, express, pg and
// ioredis as they load — and only then is the application (Nest and the drivers) loaded.
import { loadConfigOrExit } from './config/load-config';
import { createApiTelemetry } from './observability/telemetry';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const telemetry = await createApiTelemetry(config);
  try {
    const { bootstrap } = await import('./bootstrap');
    await bootstrap(config, telemetry);
  } catch (error) {
    telemetry.logger.fatal({ err: error }, `start-up failed: ${(error as Error).message}`);
    await telemetry.shutdown();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  // Telemetry itself could not start (e.g. LOG_FILE's directory is not writable): no logger yet.
  process.stderr.write(`start-up failed: ${(error as Error).message}\n`);
  process.exit(1);
});
