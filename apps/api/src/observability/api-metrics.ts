import { boundedLabel, Counter, Gauge, type Registry } from '@contextai/telemetry';
import type { Pool } from 'pg';
import type Redis from 'ioredis';

/** Distinct sectors kept as label values; later new ones are counted as `other`. */
export const MAX_SECTOR_LABELS = 200;

export const AUTH_FAILURE_REASONS = ['missing', 'invalid', 'expired', 'forbidden'] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/**
 * The API's own metrics (TEAM contract), next to the HTTP and process metrics every app serves:
 * the PostgreSQL pool, Redis errors and what the product does (per sector).
 */
export class ApiMetrics {
  readonly dbPoolErrors: Counter<never>;
  readonly redisErrors: Counter<never>;
  readonly knowledgeSourcesCreated: Counter<'sector'>;
  readonly knowledgeSourcesDeleted: Counter<'sector'>;
  readonly knowledgeSourceListings: Counter<'sector'>;
  /** Refused writes (WriteAuthGuard): reason is one of AUTH_FAILURE_REASONS. */
  readonly authFailures: Counter<'reason'>;
  /** For the caches of the performance issue: result is hit, miss or error. */
  readonly cacheRequests: Counter<'cache' | 'result'>;
  /** A sector as a bounded label value. */
  readonly sector = boundedLabel(MAX_SECTOR_LABELS);
  private readonly pools: Pool[] = [];

  constructor(registry: Registry) {
    const registers = [registry];
    const pools = this.pools;
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state (in_use: checked out by a query; idle: open, unused).',
      labelNames: ['state'],
      registers,
      collect() {
        const total = sum(pools, (p) => p.totalCount);
        const idle = sum(pools, (p) => p.idleCount);
        this.set({ state: 'in_use' }, total - idle);
        this.set({ state: 'idle' }, idle);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Queries waiting for a PostgreSQL pool connection.',
      registers,
      collect() {
        this.set(sum(pools, (p) => p.waitingCount));
      },
    });
    this.dbPoolErrors = new Counter({
      name: 'db_pool_errors_total',
      help: 'PostgreSQL connection failures and errors of idle pooled connections.',
      registers,
    });
    this.redisErrors = new Counter({
      name: 'redis_errors_total',
      help: 'Redis connection errors (each failed connection or reconnection attempt).',
      registers,
    });
    const perSector = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['sector'] as const, registers });
    this.knowledgeSourcesCreated = perSector(
      'knowledge_sources_created_total',
      'Knowledge sources created, by sector.',
    );
    this.knowledgeSourcesDeleted = perSector(
      'knowledge_sources_deleted_total',
      'Knowledge sources deleted, by sector.',
    );
    this.knowledgeSourceListings = perSector(
      'knowledge_source_listings_total',
      'Knowledge source list pages served, by sector.',
    );
    this.authFailures = new Counter({
      name: 'auth_failures_total',
      help: 'Requests refused by authentication, by reason.',
      labelNames: ['reason'] as const,
      registers,
    });
    // Every reason exists from the start, so an alert on its rate sees 0 rather than no series.
    for (const reason of AUTH_FAILURE_REASONS) this.authFailures.inc({ reason }, 0);
    this.cacheRequests = new Counter({
      name: 'cache_requests_total',
      help: 'Cache lookups, by cache and result (hit, miss, error).',
      labelNames: ['cache', 'result'] as const,
      registers,
    });
  }

  /** Pool gauges read `pool` at each scrape; its idle-connection errors are counted. */
  watchPool(pool: Pool): void {
    this.pools.push(pool);
    pool.on('error', () => this.dbPoolErrors.inc());
  }

  /** Counts every connection error the client reports. */
  watchRedis(redis: Redis): void {
    redis.on('error', () => this.redisErrors.inc());
  }
}

function sum(pools: Pool[], count: (pool: Pool) => number): number {
  return pools.reduce((total, pool) => total + count(pool), 0);
}
