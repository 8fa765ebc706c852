import { requireDebugRoutes } from '../../../lib/debug-routes';

export const dynamic = 'force-dynamic';

export default function ServerErrorPage() {
  requireDebugRoutes();
  throw new Error('Deliberate server error (debug route)');
}
