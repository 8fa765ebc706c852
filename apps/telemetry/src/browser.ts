// `@contextai/telemetry/browser`: the part of this package a browser bundle may include (the web's
// instrumentation-client.ts): scrubbing and the Sentry settings, without any Node module.
export * from './scrub';
export * from './sentry-common';
