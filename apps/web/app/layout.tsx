import type { ReactNode } from 'react';

export const metadata = { title: 'Context.AI', description: 'Context.AI status and knowledge sources' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
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
