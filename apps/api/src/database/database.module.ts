import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';

/** Injection token of the PostgreSQL `pg.Pool`. */
export const PG_POOL = Symbol('PG_POOL');

export function createPool(
  config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX' | 'DATABASE_SSL'>,
): Pool {
  return new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
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
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const pool = createPool(config);
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
