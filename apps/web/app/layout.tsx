import type { ReactNode } from 'react';
import { publishedSentryConfig, SENTRY_CONFIG_ELEMENT_ID, sentryConfigJson } from '../lib/sentry';

// Every page per request: the browser's Sentry settings are this server's, not the build's.
export const dynamic = 'force-dynamic';

export const metadata = { title: 'Context.AI', description: 'Context.AI status and knowledge sources' };

export default function RootLayout({ children }: { children: ReactNode }) {
  const sentry = publishedSentryConfig();
  return (
    <html lang="en">
      <head>
        {sentry && (
          <script
            id={SENTRY_CONFIG_ELEMENT_ID}
            type="application/json"
            dangerouslySetInnerHTML={{ __html: sentryConfigJson(sentry) }}
          />
        )}
      </head>
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem', maxWidth: '60rem' }}>
        <nav style={{ display: 'flex', gap: '1rem', marginBottom: '1.5rem' }}>
          <a href="/">Status</a>
          <a href="/knowledge-sources">Knowledge sources</a>
        </nav>
        {children}
      </body>
    </html>
  );
}
