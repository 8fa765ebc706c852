import { describe, expect, it } from 'vitest';
import { classifyFailure, isRetryable, parseUploadOutput, scrubCliOutput } from '../cli-output';

// sentry-cli 3.8.0's own words, as printed against the fake (see the integration tests).
const REJECTED = `error: API request failed

Caused by:
    sentry reported an error: Invalid token (http status: 401)

Add --log-level=[info|debug] or export SENTRY_LOG_LEVEL=[info|debug] to see more output.
Please attach the full debug log to all bug reports.`;
const BUSY =
  'error: API request failed\n\nCaused by:\n    sentry reported an error: Service unavailable (http status: 503)';
const RESET =
  'error: API request failed\n\nCaused by:\n    0: API request failed\n    1: [56] Failure when receiving data from the peer (Recv failure: Connection reset by peer)';
const REFUSED =
  'error: API request failed\n\nCaused by:\n    0: API request failed\n    1: [7] Could not connect to server (Failed to connect to 127.0.0.1:9 after 0 ms: Could not connect to server)';
const NO_RELEASE =
  'error: Release not found. Ensure that you configured the correct release, project, and organization.';

describe('classifyFailure', () => {
  it('sorts sentry-cli errors by what the user must do', () => {
    expect(classifyFailure(REJECTED)).toEqual({
      kind: 'rejected-token',
      status: 401,
      detail:
        'error: API request failed\n\nCaused by:\n    sentry reported an error: Invalid token (http status: 401)'.replace(
          '\n\n',
          '\n',
        ),
    });
    expect(classifyFailure(BUSY)).toMatchObject({ kind: 'server', status: 503 });
    expect(classifyFailure(RESET)).toMatchObject({ kind: 'network', curlCode: 56 });
    expect(classifyFailure(REFUSED)).toMatchObject({ kind: 'network', curlCode: 7 });
    expect(classifyFailure(NO_RELEASE)).toMatchObject({ kind: 'not-found' });
    expect(classifyFailure('error: (http status: 403)')).toMatchObject({ kind: 'forbidden', status: 403 });
    expect(classifyFailure('error: something else')).toEqual({
      kind: 'other',
      detail: 'error: something else',
    });
  });

  it('retries network failures; a deploy only when the request never left', () => {
    expect(isRetryable(classifyFailure(RESET), 'any')).toBe(true);
    expect(isRetryable(classifyFailure(RESET), 'connect')).toBe(false);
    expect(isRetryable(classifyFailure(REFUSED), 'connect')).toBe(true);
    expect(isRetryable(classifyFailure(REJECTED), 'any')).toBe(false);
    expect(isRetryable(classifyFailure(BUSY), 'any')).toBe(false); // sentry-cli already retried it
  });
});

describe('scrubCliOutput', () => {
  it('removes the token, anything shaped like a Sentry token, and Authorization header values', () => {
    const token = 'a-custom-token-value-1234';
    const text = [
      `using ${token} now`,
      '  DEBUG  > authorization: Bearer sntrys_e***',
      'Authorization: Bearer abcdefgh***',
      'found sntryu_0123456789abcdef in a file',
      'sntrys_eyJvcmciOiJ4In0=_c2VjcmV0 leaked',
      'ok line',
    ].join('\n');
    expect(scrubCliOutput(text, [token])).toBe(
      [
        'using *** now',
        '  DEBUG  > authorization: ***',
        'Authorization: ***',
        'found *** in a file',
        '*** leaked',
        'ok line',
      ].join('\n'),
    );
  });
});

describe('parseUploadOutput', () => {
  it('reads the bundled file count and the bundle IDs', () => {
    const stdout =
      '> Found 7 files\n> Bundled 7 files for upload\n> Bundle ID: 522513EC-87d4-535d-994f-7ed73524e4a5\n> Uploaded files to Sentry\n';
    expect(parseUploadOutput(stdout)).toEqual({
      files: 7,
      bundles: ['522513ec-87d4-535d-994f-7ed73524e4a5'],
    });
    expect(parseUploadOutput('> Bundled 1 file for upload')).toEqual({ files: 1, bundles: [] });
    expect(parseUploadOutput('> Nothing to upload')).toEqual({ bundles: [] });
  });
});
