// Next's server hooks. Sentry itself is initialised by server/start.mjs before Next loads (it owns
// OpenTelemetry, which must patch node:http first), so `register` has nothing to do; this file
// reports the errors Next catches (server components, route handlers, server actions) to that same
// client: @sentry/nextjs is a server external package (next.config.mjs), one module for both.
// Navigation signals (notFound(), redirect()) are not errors and never reach onRequestError.
import type { Instrumentation } from 'next';

export function register(): void {}

export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  // No edge runtime in this app (no middleware, no edge routes): the Node.js server only.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const Sentry = await import('@sentry/nextjs');
  Sentry.withScope((scope) => {
    const requestId = request.headers['x-request-id'];
    if (typeof requestId === 'string') scope.setTag('request_id', requestId);
    scope.setTag('route', context.routePath);
    Sentry.captureRequestError(error, request, context);
  });
};
