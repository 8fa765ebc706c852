import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfigOrExit } from './config/load-config';
import { closeOnSignals } from './shutdown';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  // Validate the environment before anything connects or listens.
  const config = loadConfigOrExit();
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
  });
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  closeOnSignals(app, new Logger(), config.SHUTDOWN_TIMEOUT_MS);
  await app.listen(config.PORT, config.HOST);
  new Logger('Bootstrap').log(`listening on http://${config.HOST}:${config.PORT}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(`start-up failed: ${(error as Error).message}`, (error as Error).stack);
  process.exit(1);
});
