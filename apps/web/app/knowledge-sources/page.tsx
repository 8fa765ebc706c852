import { apiGet, type KnowledgeSource } from '../../lib/api';

export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<{ sector?: string }>;
}

export default async function KnowledgeSourcesPage({ searchParams }: Props) {
  const { sector } = await searchParams;
  const sectors = await apiGet<{ items: { sector: string; count: number }[] }>('/sectors');
  if (!sectors.ok || sectors.status !== 200)
    return (
      <p data-testid="error">Cannot list sectors: {sectors.ok ? `HTTP ${sectors.status}` : sectors.error}</p>
    );
  const selected = sector ?? sectors.body.items[0]?.sector;
  return (
    <main>
      <h1>Knowledge sources</h1>
      <ul data-testid="sectors">
        {sectors.body.items.map((s) => (
          <li key={s.sector}>
            <a href={`/knowledge-sources?sector=${encodeURIComponent(s.sector)}`}>{s.sector}</a> ({s.count})
          </li>
        ))}
      </ul>
      {selected ? <SectorSources sector={selected} /> : <p data-testid="empty">No knowledge sources yet.</p>}
    </main>
  );
}

async function SectorSources({ sector }: { sector: string }) {
  const list = await apiGet<{ items: KnowledgeSource[] }>(
    `/sectors/${encodeURIComponent(sector)}/knowledge-sources?limit=100`,
  );
  if (!list.ok || list.status !== 200)
    return (
      <p data-testid="error">
        Cannot list sector {sector}: {list.ok ? `HTTP ${list.status}` : list.error}
      </p>
    );
  return (
    <section>
      <h2>{sector}</h2>
      <table data-testid="sources">
        <thead>
          <tr>
            <th>Title</th>
            <th>Kind</th>
            <th>URI</th>
            <th>Added</th>
          </tr>
        </thead>
        <tbody>
          {list.body.items.map((source) => (
            <tr key={source.id}>
              <td>{source.title}</td>
              <td>{source.kind}</td>
              <td>{source.uri ?? ''}</td>
              <td>{source.createdAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
