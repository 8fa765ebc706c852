import { Inject, Injectable } from '@nestjs/common';
import { ALL_SECTORS, ReadCache, sectorScope } from '../cache/read-cache';
import type { Cursor } from './cursor';
import type { CreateKnowledgeSource, KnowledgeSource } from './knowledge-source.schemas';
import { KnowledgeSourcesRepository } from './knowledge-sources.repository';

/**
 * The repository behind the read cache: the overview, first list pages and single sources are
 * cached; every write invalidates its sector and the overview before it returns.
 */
@Injectable()
export class CachedKnowledgeSources {
  constructor(
    @Inject(KnowledgeSourcesRepository) private readonly repository: KnowledgeSourcesRepository,
    @Inject(ReadCache) private readonly cache: ReadCache,
  ) {}

  sectors(): Promise<{ sector: string; count: number }[]> {
    return this.cache.read('sectors', [ALL_SECTORS], 'overview', () => this.repository.sectors());
  }

  /** Later pages (a cursor) are read through: clients rarely repeat them. */
  list(sector: string, limit: number, after?: Cursor): Promise<KnowledgeSource[]> {
    if (after) return this.repository.list(sector, limit, after);
    return this.cache.read('list', [sectorScope(sector)], `${sector}:${limit}`, () =>
      this.repository.list(sector, limit),
    );
  }

  async get(sector: string, id: string): Promise<KnowledgeSource | undefined> {
    // null is cached too (JSON has no undefined): a missing id costs no query either.
    const source = await this.cache.read(
      'source',
      [sectorScope(sector)],
      `${sector}:${id}`,
      async () => (await this.repository.get(sector, id)) ?? null,
    );
    return source ?? undefined;
  }

  async create(sector: string, source: CreateKnowledgeSource): Promise<KnowledgeSource> {
    const created = await this.repository.create(sector, source);
    await this.cache.invalidate([sectorScope(sector), ALL_SECTORS]);
    return created;
  }

  async delete(sector: string, id: string): Promise<boolean> {
    const deleted = await this.repository.delete(sector, id);
    if (deleted) await this.cache.invalidate([sectorScope(sector), ALL_SECTORS]);
    return deleted;
  }
}
