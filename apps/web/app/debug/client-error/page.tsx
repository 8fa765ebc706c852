import { requireDebugRoutes } from '../../../lib/debug-routes';
import { ThrowButton } from './throw-button';

export const dynamic = 'force-dynamic';

export default function ClientErrorPage() {
  requireDebugRoutes();
  return (
    <main>
      <h1>Client error</h1>
      <ThrowButton />
    </main>
  );
}
