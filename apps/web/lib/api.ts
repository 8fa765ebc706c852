// Server-side calls to the Context.AI API. API_URL is read per request (runtime configuration:
// the same image runs against any API), never inlined at build time. Each call carries the
// request's X-Request-ID (set by server/telemetry.mjs), and, when tracing is on, W3C traceparent
// (added by the fetch instrumentation): one id follows a request from the edge through web and API.
import { headers } from 'next/headers';

const TIMEOUT_MS = 3_000;
/** The API serves every route under this prefix (the edge forwards `/api/...` unchanged). */
export const API_PREFIX = '/api';

export type ApiResult<T> =
  { ok: true; status: number; body: T } | { ok: false; status?: number; error: string };

export function apiUrl(): string | undefined {
  const url = process.env.API_URL?.trim();
  return url ? url.replace(/\/+$/, '') : undefined;
}

/** GET `path` (`/version`, below API_PREFIX) from the API as JSON; a non-2xx answer still returns its body (readiness sends 503 with details). */
export async function apiGet<T>(path: string): Promise<ApiResult<T>> {
  const base = apiUrl();
  if (!base) return { ok: false, error: 'API_URL is not set' };
  try {
    const requestId = (await headers()).get('x-request-id');
    const response = await fetch(`${base}${API_PREFIX}${path}`, {
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: requestId ? { 'x-request-id': requestId } : {},
    });
    const body = (await response.json().catch(() => undefined)) as T | undefined;
    if (body === undefined)
      return { ok: false, status: response.status, error: `HTTP ${response.status} without a JSON body` };
    return { ok: true, status: response.status, body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const why = `${(error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : (cause ?? (error as Error).message)}`;
    // The detail is for the logs (console.* is the JSON logger here); pages show only that it failed.
    console.warn(`API GET ${path} failed: ${why}`);
    return { ok: false, error: why };
  }
}

export interface VersionInfo {
  version: string;
  revision: string | null;
  builtAt: string | null;
}

export interface Readiness {
  status: 'ok' | 'error' | 'shutting_down';
  details?: Record<string, { status: 'up' | 'down' }>;
}

export interface KnowledgeSource {
  id: string;
  sector: string;
  title: string;
  kind: string;
  uri: string | null;
  description: string;
  createdAt: string;
}
