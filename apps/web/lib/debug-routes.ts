import { notFound } from 'next/navigation';

/**
 * The /debug/* pages throw on purpose, to prove that errors reach Sentry with readable frames. They
 * exist only where DEBUG_ERROR_ROUTES=1 (tests, a staging check); everywhere else they are a 404.
 */
export function requireDebugRoutes(): void {
  if (process.env.DEBUG_ERROR_ROUTES !== '1') notFound();
}
