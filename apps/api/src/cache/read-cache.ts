import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';
import { ApiMetrics } from '../observability/api-metrics';
import { REDIS } from '../redis/redis.module';

/** Layout of the cached values; bump when their shape changes so old entries are never read. */
const LAYOUT = 'v1';
const PREFIX = `contextai:cache:${LAYOUT}`;
const EPOCH_KEY = `${PREFIX}:epoch`;
const generationKey = (scope: string) => `${PREFIX}:gen:${scope}`;

/** The scope every write touches: the sector overview depends on all sectors. */
export const ALL_SECTORS = 'all';
export const sectorScope = (sector: string) => `sector:${sector}`;

/**
 * Cache-aside in Redis for the read paths, PostgreSQL staying the source of truth.
 *
 * Keys are versioned: each entry's key holds the epoch and the generation of every scope it depends
 * on. A write bumps the generations of its scopes after it committed and before it answers, so the
 * next read builds a new key and can never see the entry of an earlier generation (which just expires
 * after CACHE_TTL_SECONDS); a rebuild that raced with the write stores under the old key, unread.
 *
 * Stampede: concurrent misses of one key share one rebuild (one database query per key and process).
 *
 * Redis away or slow (REDIS_COMMAND_TIMEOUT_MS): reads go to PostgreSQL (counted as `error`). A
 * failed invalidation or a lost connection marks the cache dirty, because a write could not bump
 * its generation: the cache stays bypassed until the epoch is bumped, which orphans every entry
 * written before.
 */
@Injectable()
export class ReadCache {
  private readonly logger = new Logger('ReadCache');
  private readonly rebuilds = new Map<string, Promise<unknown>>();
  private dirty = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // A lost connection may have hidden a write's invalidation (of any instance): start afresh.
    redis.on('close', () => (this.dirty = true));
  }

  /** The cached value of `name` in `cache`, or `load()`'s (then cached) when absent. */
  async read<T>(cache: string, scopes: string[], name: string, load: () => Promise<T>): Promise<T> {
    let key: string;
    let cached: string | null;
    try {
      if (this.dirty) await this.bumpEpoch();
      key = await this.versionedKey(cache, scopes, name);
      cached = await this.redis.get(key);
    } catch {
      this.metrics.cacheRequests.inc({ cache, result: 'error' });
      return load();
    }
    if (cached !== null) {
      this.metrics.cacheRequests.inc({ cache, result: 'hit' });
      return JSON.parse(cached) as T;
    }
    const running = this.rebuilds.get(key);
    if (running) {
      // Served by the rebuild under way, without a database query of its own.
      this.metrics.cacheRequests.inc({ cache, result: 'hit' });
      return running as Promise<T>;
    }
    this.metrics.cacheRequests.inc({ cache, result: 'miss' });
    const rebuild = this.rebuild(key, load).finally(() => this.rebuilds.delete(key));
    this.rebuilds.set(key, rebuild);
    return rebuild;
  }

  /** After a committed write: later reads of these scopes miss. Never fails the write. */
  async invalidate(scopes: string[]): Promise<void> {
    try {
      const pipeline = this.redis.multi();
      for (const scope of scopes) pipeline.incr(generationKey(scope));
      const results = await pipeline.exec();
      if (!results || results.some(([error]) => error)) throw new Error('MULTI/EXEC failed');
    } catch (error) {
      this.dirty = true;
      this.logger.warn(
        `invalidation failed, cache bypassed until Redis is back: ${(error as Error).message}`,
      );
    }
  }

  private async rebuild<T>(key: string, load: () => Promise<T>): Promise<T> {
    const value = await load();
    // Storing is best effort: the caller has its value either way. The entry leaves `rebuilds` only
    // after Redis has it, so a concurrent lookup either finds the entry or joins this rebuild.
    await this.redis
      .set(key, JSON.stringify(value), 'EX', this.config.CACHE_TTL_SECONDS)
      .catch(() => undefined);
    return value;
  }

  private async versionedKey(cache: string, scopes: string[], name: string): Promise<string> {
    const versions = await this.redis.mget(EPOCH_KEY, ...scopes.map(generationKey));
    return `${PREFIX}:${cache}:${name}@${versions.map((v) => v ?? '0').join('.')}`;
  }

  private async bumpEpoch(): Promise<void> {
    await this.redis.incr(EPOCH_KEY);
    this.dirty = false;
  }
}
