import type { INestApplication, LoggerService } from '@nestjs/common';

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, close the pools
 * (Nest's `app.close()`: the HTTP server closes before `onApplicationShutdown` hooks run), exit 0.
 * If requests are still running after `timeoutMs`, exit 1 so the orchestrator knows.
 * Nest's own `enableShutdownHooks()` re-raises the signal after closing (exit 143), hence this.
 * `afterClose` runs last (telemetry: the metrics listener, the last spans).
 */
export function closeOnSignals(
  app: INestApplication,
  logger: LoggerService,
  timeoutMs: number,
  afterClose: () => Promise<void> = async () => {},
): void {
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: draining in-flight requests (at most ${timeoutMs} ms)`, 'Shutdown');
    const timer = setTimeout(() => {
      logger.error(`requests still running after ${timeoutMs} ms: exiting`, undefined, 'Shutdown');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    try {
      await app.close();
      await afterClose();
      logger.log('closed cleanly', 'Shutdown');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`, (error as Error).stack, 'Shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
}
