import { Controller, Get, Inject, Logger } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Pool } from 'pg';
import type Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';
import { PG_POOL } from '../database/database.module';
import { REDIS } from '../redis/redis.module';
import { withTimeout } from '../common/with-timeout';

@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: the process serves HTTP. Never touches dependencies (a restart would not fix them). */
  @Get()
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 when PostgreSQL and Redis answer; 503 naming the failed one under `error`.
   * The body says only up or down per dependency: a driver's error names users, hosts and ports,
   * so it goes to the log, never to the client (the edge and the web page show this body).
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.probe('postgres', () => this.pool.query('SELECT 1')),
      () => this.probe('redis', () => this.redis.ping()),
    ]);
  }

  private async probe(key: string, ping: () => Promise<unknown>) {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(ping(), this.config.HEALTH_CHECK_TIMEOUT_MS, key);
      return indicator.up();
    } catch (error) {
      this.logger.warn(`readiness: ${key} is down: ${(error as Error).message}`);
      return indicator.down();
    }
  }
}
