import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/env.schema';
import { GLOBAL_PREFIX } from './http/prefix';
import type { ApiTelemetry } from './observability/telemetry';
import { closeOnSignals } from './shutdown';

/** Creates the Nest application and serves it (telemetry already running: see main.ts). */
export async function bootstrap(config: AppConfig, telemetry: ApiTelemetry): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, telemetry), {
    bufferLogs: true, // Nest's own start-up lines go through pino too, once it is in place
    bodyParser: false, // registered below, after the request logger
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // First middleware: every request gets its id, its log line and its metrics, including those
  // that a body parser refuses.
  app.use(telemetry.requestMiddleware.bind(telemetry));
  app.useBodyParser('json');
  app.useBodyParser('urlencoded', { extended: true });
  if (GLOBAL_PREFIX) app.setGlobalPrefix(GLOBAL_PREFIX);
  app.disable('x-powered-by');
  // Strong ETags on every body; a matching If-None-Match on a GET answers 304 (http/cache-control.ts).
  app.set('etag', 'strong');
  closeOnSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS, () => telemetry.shutdown());
  await telemetry.startMetrics();
  await app.listen(config.PORT, config.HOST);
  logger.log(`listening on http://${config.HOST}:${config.PORT}`, 'Bootstrap');
}
