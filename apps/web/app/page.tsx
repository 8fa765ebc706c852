import { apiGet, type Readiness, type VersionInfo } from '../lib/api';

// Rendered per request: the API's state now, from the API_URL of this container.
export const dynamic = 'force-dynamic';

export default async function StatusPage() {
  const [version, readiness] = await Promise.all([
    apiGet<VersionInfo>('/version'),
    apiGet<Readiness>('/health/ready'),
  ]);
  const ready = readiness.ok && readiness.status === 200 && readiness.body.status === 'ok';
  return (
    <main>
      <h1>Context.AI status</h1>
      <section>
        <h2>API version</h2>
        {version.ok ? (
          <dl>
            <dt>Version</dt>
            <dd data-testid="api-version">{version.body.version}</dd>
            <dt>Revision</dt>
            <dd data-testid="api-revision">{version.body.revision ?? 'unknown'}</dd>
            <dt>Built at</dt>
            <dd data-testid="api-built-at">{version.body.builtAt ?? 'unknown'}</dd>
          </dl>
        ) : (
          <p data-testid="api-version-error">API unreachable</p>
        )}
      </section>
      <section>
        <h2>API readiness</h2>
        <p data-testid="api-readiness">{ready ? 'ready' : 'not ready'}</p>
        {/* Up or down only: error text (driver messages, hosts, user names) stays in the logs. */}
        {readiness.ok ? (
          <ul>
            {Object.entries(readiness.body.details ?? {}).map(([name, check]) => (
              <li key={name} data-testid={`check-${name}`}>
                {name}: {check.status === 'up' ? 'up' : 'down'}
              </li>
            ))}
          </ul>
        ) : (
          <p data-testid="api-readiness-error">API unreachable</p>
        )}
      </section>
      <footer>
        <small>web {process.env.APP_VERSION ?? 'dev'}</small>
      </footer>
    </main>
  );
}
