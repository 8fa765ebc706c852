// Every query the API's repository issues, EXPLAINed on 200,000 knowledge sources in 20 sectors:
// none scans knowledge_sources sequentially. The queries are captured from the real repository
// methods, so a new or changed query is covered without listing its SQL here. Also: the pool's
// statement_timeout comes from the environment.
// Run: npx vitest run --project integration apps/api/__tests__/queries.int.test.ts
import 'reflect-metadata';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/run-action';
import { createPool } from '../src/database/database.module';
import { KnowledgeSourcesRepository } from '../src/knowledge-sources/knowledge-sources.repository';
import { migrate, readMigrations } from '../src/migrations/migrator';
import { createDatabase, seedSources, withClient } from './support';

/** A pool that EXPLAINs each statement (with its parameters) before running it. */
class ExplainingPool extends pg.Pool {
  readonly plans: { sql: string; plan: string }[] = [];

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(text: any, values?: any): any {
    if (typeof text !== 'string') throw new Error('the repository is expected to pass SQL text');
    return super
      .query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)
      .then(({ rows }) => this.plans.push({ sql: text, plan: rows.map((r) => r['QUERY PLAN']).join('\n') }))
      .then(() => super.query(text, values));
  }
}

let db: Awaited<ReturnType<typeof createDatabase>>;
let pool: ExplainingPool;

beforeAll(async () => {
  db = await createDatabase('queries_it');
  await withClient(db.url, async (client) => {
    await migrate(client, readMigrations(resolve(REPO_ROOT, 'apps/api/migrations')));
    await seedSources(client, 200_000, 20);
  });
  pool = new ExplainingPool({ connectionString: db.url, max: 2 });
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('API queries at 200,000 sources', () => {
  it('use an index on knowledge_sources, never a sequential scan', async () => {
    const repository = new KnowledgeSourcesRepository(pool);
    const created = await repository.create('sector-03', { title: 'Fresh', kind: 'faq', description: '' });
    const page = await repository.list('sector-03', 20);
    expect(page[0]!.id).toBe(created.id);
    expect(await repository.list('sector-03', 20, page[19]!)).toHaveLength(20);
    expect(await repository.get('sector-03', created.id)).toMatchObject({ title: 'Fresh' });
    const overview = await repository.sectors();
    expect(overview).toHaveLength(20);
    expect(overview.find((s) => s.sector === 'sector-03')!.count).toBe(10_001);
    expect(await repository.delete('sector-03', created.id)).toBe(true);

    expect(pool.plans.map((p) => p.sql.split(' ')[0])).toEqual([
      'INSERT',
      'SELECT',
      'SELECT',
      'SELECT',
      'SELECT',
      'DELETE',
    ]);
    for (const { sql, plan } of pool.plans) {
      expect(plan, sql).not.toMatch(/Seq Scan on knowledge_sources/);
      if (!sql.startsWith('INSERT') && sql.includes('FROM knowledge_sources'))
        expect(plan, sql).toMatch(/Index (Only )?Scan .*on knowledge_sources/);
    }
  });
});

describe('pool settings from the environment', () => {
  it('applies DATABASE_STATEMENT_TIMEOUT_MS to every connection', async () => {
    const limited = createPool({
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: 1,
      DATABASE_SSL: false,
      DATABASE_STATEMENT_TIMEOUT_MS: 200,
    });
    try {
      expect((await limited.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('200ms');
      await expect(limited.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await limited.end();
    }
  });
});
