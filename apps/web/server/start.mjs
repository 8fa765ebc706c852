// @ts-check
// Entry point of the web server (image CMD, `npm start`): validates the environment (server/env.mjs;
// exit 1 naming each bad variable), starts telemetry (server/telemetry.mjs), then runs Next's standalone server.js, which reads its runtime configuration (PORT, HOSTNAME,
// API_URL, ...) from the environment.
//
// On SIGTERM Next (16) already shuts down gracefully: it stops accepting connections, lets the
// requests in flight finish and closes the server. It then exits with 143 (128 + SIGTERM) on
// purpose, which `podman ps` / `docker ps` show as a failure. A stop asked for by the engine is a
// clean stop, so this maps that exit to 0, as the API does, after telemetry has shut down (the last
// spans exported). Any other exit code is left untouched.
import { loadWebEnvOrExit } from './env.mjs';
import { startWebTelemetry } from './telemetry.mjs';

const SIGTERM_EXIT = 143;
const TELEMETRY_SHUTDOWN_MS = 5_000;

const telemetry = await startWebTelemetry(import.meta.dirname, loadWebEnvOrExit());

// With NEXT_MANUAL_SIG_HANDLE Next installs no handler: a listener here would then swallow SIGTERM.
if (!process.env.NEXT_MANUAL_SIG_HANDLE) {
  process.once('SIGTERM', () => {
    telemetry.logger.info('SIGTERM received: finishing the requests in flight');
    // Next ends its graceful stop with process.exit(143): finish telemetry first, then exit 0.
    const exit = process.exit.bind(process);
    process.exit = /** @type {typeof process.exit} */ (
      (code) => {
        const timeout = new Promise((resolve) => setTimeout(resolve, TELEMETRY_SHUTDOWN_MS).unref());
        void Promise.race([telemetry.shutdown(), timeout]).finally(() => {
          const clean = code === SIGTERM_EXIT;
          if (clean) telemetry.logger.info('closed cleanly');
          exit(clean ? 0 : code);
        });
        return /** @type {never} */ (undefined);
      }
    );
  });
}

// server.js is CommonJS (the standalone package.json has no "type"); loaded once telemetry runs.
// @ts-expect-error: Next's server.js sits next to this file only in the standalone output.
await import('./server.js');
