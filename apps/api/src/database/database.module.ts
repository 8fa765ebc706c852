import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import pg, { Pool } from 'pg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';
import { ApiMetrics } from '../observability/api-metrics';

/** Injection token of the PostgreSQL `pg.Pool`. */
export const PG_POOL = Symbol('PG_POOL');

/**
 * The pool; `onConnectError` hears of every connection that could not be opened (the pool itself
 * only reports errors of idle connections).
 */
export function createPool(
  config: Pick<
    AppConfig,
    'DATABASE_URL' | 'DATABASE_POOL_MAX' | 'DATABASE_SSL' | 'DATABASE_STATEMENT_TIMEOUT_MS'
  >,
  onConnectError: (error: Error) => void = () => {},
): Pool {
  class Client extends pg.Client {
    // pg's overloads (promise or callback) in one signature; both paths report a failed connect.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override connect(callback?: any): any {
      if (!callback)
        return super.connect().catch((error: Error) => {
          onConnectError(error);
          throw error;
        });
      super.connect((error: Error | null) => {
        if (error) onConnectError(error);
        (callback as (error: Error | null) => void)(error);
      });
    }
  }
  return new Pool({
    Client,
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    // Sent at connect: a runaway query frees its connection instead of starving the pool.
    statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    ssl: config.DATABASE_SSL ? { rejectUnauthorized: true } : undefined,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'contextai-api',
  });
}

@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [APP_CONFIG, ApiMetrics],
      useFactory: (config: AppConfig, metrics: ApiMetrics) => {
        const pool = createPool(config, () => metrics.dbPoolErrors.inc());
        metrics.watchPool(pool);
        // An idle client losing its connection must not crash the process; the next query reconnects.
        pool.on('error', (error) =>
          new Logger('PostgreSQL').warn(`idle connection failed: ${error.message}`),
        );
        return pool;
      },
    },
  ],
  exports: [PG_POOL],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  // After the HTTP server has closed (in-flight requests done): see main.ts.
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
