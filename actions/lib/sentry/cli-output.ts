import { redact } from '../action/secrets';

/**
 * sentry-cli's output with every secret removed before it is logged or kept: the token itself,
 * anything shaped like a Sentry token (`sntrys_…`, `sntryu_…`), and the value of any
 * `Authorization:` header (its debug log shows the first 8 characters of the token there).
 */
export function scrubCliOutput(text: string, secrets: string[]): string {
  return redact(text, secrets)
    .replace(/\b(authorization\s*:\s*)\S+(?:[ \t]+\S+)?/gi, '$1***')
    .replace(/\bsntry[su]_\S+/g, '***');
}

export interface UploadReport {
  /** What sentry-cli says it bundled; undefined when it did not say. */
  files?: number;
  /** Artifact bundle IDs. */
  bundles: string[];
}

/** Reads `> Bundled 4 files for upload` and `> Bundle ID: <uuid>` from `sourcemaps upload`. */
export function parseUploadOutput(stdout: string): UploadReport {
  const files = /Bundled (\d+) files? for upload/.exec(stdout)?.[1];
  const bundles = [...stdout.matchAll(/Bundle ID: ([0-9a-f-]{36})/gi)].map((m) => m[1]!.toLowerCase());
  return { ...(files ? { files: Number(files) } : {}), bundles };
}

export type FailureKind = 'rejected-token' | 'forbidden' | 'not-found' | 'server' | 'network' | 'other';

export interface CliFailure {
  kind: FailureKind;
  /** HTTP status, when Sentry answered. */
  status?: number;
  /** curl's error number, for network failures. */
  curlCode?: number;
  /** The error lines sentry-cli printed (already scrubbed). */
  detail: string;
}

/** curl errors where no request reached the server: resolve or connect failed. */
const NOT_SENT = new Set([5, 6, 7]);
/** curl errors of the network itself (resolve, connect, TLS, timeouts, dropped connections). */
const NETWORK = new Set([5, 6, 7, 28, 35, 52, 55, 56]);

/** Sorts a failed sentry-cli run by its own error text (`error: …`, `Caused by: …`). */
export function classifyFailure(output: string): CliFailure {
  const detail = errorLines(output);
  const status = Number(/\(http status: (\d{3})\)/.exec(output)?.[1]) || undefined;
  const curlCode = Number(/\[(\d+)\] [A-Z]/.exec(output)?.[1]) || undefined;
  if (status === 401) return { kind: 'rejected-token', status, detail };
  if (status === 403) return { kind: 'forbidden', status, detail };
  if (status === 404 || /\b(Organization|Project|Release) not found\b/i.test(output))
    return { kind: 'not-found', ...(status ? { status } : {}), detail };
  if (status && status >= 500) return { kind: 'server', status, detail };
  if (curlCode && NETWORK.has(curlCode)) return { kind: 'network', curlCode, detail };
  return { kind: 'other', ...(status ? { status } : {}), detail };
}

export function isRetryable(failure: CliFailure, retry: 'any' | 'connect'): boolean {
  if (failure.kind !== 'network' || failure.curlCode === undefined) return false;
  return retry === 'any' || NOT_SENT.has(failure.curlCode);
}

/** The `error:` line and its causes, without sentry-cli's advice about log levels and bug reports. */
function errorLines(output: string): string {
  const start = output.search(/^error: /m);
  const text = start === -1 ? output : output.slice(start);
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line && !/^(Add --log-level|Please attach the full debug log)/.test(line))
    .join('\n')
    .trim();
}
