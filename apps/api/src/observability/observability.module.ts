import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ApiMetrics } from './api-metrics';
import { ErrorLogInterceptor } from './error-log.interceptor';
import { SentryExceptionFilter } from './sentry-exception.filter';
import type { ApiTelemetry } from './telemetry';

/**
 * Logs, metrics and tracing inside Nest. The telemetry itself is made in main.ts before Nest loads
 * (tracing must patch http, express, pg and ioredis first); this module makes it injectable:
 * - nestjs-pino routes Nest's Logger to the same pino logger, with the request's bindings (req.id)
 *   on every line logged while handling a request (the request logger is main.ts's first middleware);
 * - ApiMetrics: the API's own metrics (pool, Redis, business counters);
 * - ErrorLogInterceptor: 5xx errors on the request line as err {type, message, stack}.
 * - SentryExceptionFilter: unhandled exceptions and 5xx to Sentry (when SENTRY_DSN is set).
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(telemetry: ApiTelemetry): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger: telemetry.logger, autoLogging: false },
          useExisting: true,
        }),
      ],
      providers: [
        { provide: ApiMetrics, useValue: new ApiMetrics(telemetry.registry) },
        { provide: APP_INTERCEPTOR, useClass: ErrorLogInterceptor },
        { provide: APP_FILTER, useClass: SentryExceptionFilter },
      ],
      exports: [ApiMetrics],
    };
  }
}
