import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';
import { ApiMetrics } from '../observability/api-metrics';

/** Injection token of the shared ioredis client. */
export const REDIS = Symbol('REDIS');

/**
 * Commands fail fast while Redis is away (no offline queue, one retry) so readiness reports it at
 * once; the client keeps reconnecting in the background and readiness recovers by itself.
 */
export function createRedis(url: string, commandTimeoutMs: number): Redis {
  const logger = new Logger('Redis');
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // A hung Redis must not hold requests: the read cache falls back to PostgreSQL.
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let healthy = false;
  redis.on('ready', () => {
    healthy = true;
    logger.log('connected');
  });
  // Log state changes only: a stopped Redis would otherwise print an error on every retry.
  redis.on('error', (error: Error) => {
    if (healthy) logger.warn(`connection lost: ${error.message}`);
    healthy = false;
  });
  return redis;
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG, ApiMetrics],
      useFactory: (config: AppConfig, metrics: ApiMetrics) => {
        const redis = createRedis(config.REDIS_URL, config.REDIS_COMMAND_TIMEOUT_MS);
        metrics.watchRedis(redis);
        return redis;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
