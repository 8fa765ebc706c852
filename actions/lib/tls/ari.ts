import { networkCode, safeAddress } from '../system/network-error';
import { retry } from '../system/retry';
import type { RenewalWindow } from './decision';

export type Fetch = typeof fetch;

const REQUEST_TIMEOUT_MS = 15_000;
/** The next step when the CA cannot be reached. */
export const CA_UNREACHABLE_HINT =
  'Check `acme-directory` and that the CA is reachable from the runner (DNS, firewall, proxy); no certificate was installed.';

/** The ACME directory (RFC 8555 §7.1.1), retried briefly: an unreachable CA fails the run fast. */
export async function fetchDirectory(url: string, fetchFn: Fetch = fetch): Promise<Record<string, unknown>> {
  return retry(
    async () => {
      const response = await fetchFn(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body: unknown = await response.json();
      if (
        typeof body !== 'object' ||
        body === null ||
        typeof (body as { newOrder?: unknown }).newOrder !== 'string'
      ) {
        throw new Error('the response is not an ACME directory (no newOrder)');
      }
      return body as Record<string, unknown>;
    },
    { attempts: 3, delayMs: 1_000 },
  ).catch((error: unknown) => {
    const code = networkCode(error);
    throw new Error(
      code
        ? `The ACME directory ${safeAddress(url)} is unreachable (${code}). ${CA_UNREACHABLE_HINT}`
        : `The ACME directory ${safeAddress(url)} is unreachable: ${causeOf(error)}`,
    );
  });
}

/** The directory's ARI endpoint (RFC 9773 §3), when the CA offers one. */
export function renewalInfoUrl(directory: Record<string, unknown>): string | undefined {
  const value = directory.renewalInfo;
  return typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined;
}

/** GET `<renewalInfo>/<certID>` (unauthenticated, RFC 9773 §4.1) and read the suggested window. */
export async function fetchRenewalWindow(
  endpoint: string,
  certId: string,
  fetchFn: Fetch = fetch,
): Promise<RenewalWindow> {
  const url = `${endpoint.replace(/\/+$/, '')}/${certId}`;
  const response = await fetchFn(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`renewal info ${url}: HTTP ${response.status}`);
  return parseRenewalInfo(await response.json());
}

/** Validates a RenewalInfo object: `suggestedWindow.start` < `end`, both RFC 3339 dates. */
export function parseRenewalInfo(body: unknown): RenewalWindow {
  const window = (body as { suggestedWindow?: { start?: unknown; end?: unknown } } | null)?.suggestedWindow;
  const start = typeof window?.start === 'string' ? new Date(window.start) : undefined;
  const end = typeof window?.end === 'string' ? new Date(window.end) : undefined;
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
    throw new Error('renewal info has no valid suggestedWindow (start before end, RFC 3339 dates)');
  }
  const explanation = (body as { explanationURL?: unknown }).explanationURL;
  return { start, end, ...(typeof explanation === 'string' ? { explanationUrl: explanation } : {}) };
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
