import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import type { Cursor } from './cursor';
import type { CreateKnowledgeSource, KnowledgeSource } from './knowledge-source.schemas';

// created_at as JSON text keeps PostgreSQL's microseconds, which the keyset cursor needs.
const COLUMNS = `id, sector, title, kind, uri, description, to_json(created_at) #>> '{}' AS "createdAt"`;

export class DuplicateUriError extends Error {}

/** SQL for the knowledge_sources table (migrations/001). Every list query is served by an index. */
@Injectable()
export class KnowledgeSourcesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(sector: string, source: CreateKnowledgeSource): Promise<KnowledgeSource> {
    try {
      const { rows } = await this.pool.query<KnowledgeSource>(
        `INSERT INTO knowledge_sources (sector, title, kind, uri, description) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [sector, source.title, source.kind, source.uri ?? null, source.description],
      );
      return rows[0]!;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new DuplicateUriError();
      throw error;
    }
  }

  /** Newest first; `after` continues from the last row of the previous page. */
  async list(sector: string, limit: number, after?: Cursor): Promise<KnowledgeSource[]> {
    const params: unknown[] = [sector, limit];
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = 'AND (created_at, id) < ($3::timestamptz, $4::uuid)';
    }
    const { rows } = await this.pool.query<KnowledgeSource>(
      `SELECT ${COLUMNS} FROM knowledge_sources WHERE sector = $1 ${keyset} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    return rows;
  }

  async get(sector: string, id: string): Promise<KnowledgeSource | undefined> {
    const { rows } = await this.pool.query<KnowledgeSource>(
      `SELECT ${COLUMNS} FROM knowledge_sources WHERE sector = $1 AND id = $2`,
      [sector, id],
    );
    return rows[0];
  }

  async delete(sector: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM knowledge_sources WHERE sector = $1 AND id = $2',
      [sector, id],
    );
    return rowCount === 1;
  }

  /** Sectors that have sources, with their counts (kept by the writes' triggers: migrations/002). */
  async sectors(): Promise<{ sector: string; count: number }[]> {
    const { rows } = await this.pool.query<{ sector: string; count: number }>(
      'SELECT sector, count::int AS count FROM sector_counts WHERE count > 0 ORDER BY sector',
    );
    return rows;
  }
}
