import { forwardEnvelope } from '../../lib/sentry-tunnel';

// The browser SDK's tunnel (lib/sentry-tunnel.ts): its events, forwarded to this server's DSN only.
export const dynamic = 'force-dynamic';

export function POST(request: Request): Promise<Response> {
  return forwardEnvelope(request);
}
