// Entry point of the web server (image CMD, `npm start`): runs Next's standalone server.js, which
// reads its runtime configuration (PORT, HOSTNAME, API_URL, ...) from the environment.
//
// On SIGTERM Next (16) already shuts down gracefully: it stops accepting connections, lets the
// requests in flight finish and closes the server. It then exits with 143 (128 + SIGTERM) on
// purpose, which `podman ps` / `docker ps` show as a failure. A stop asked for by the engine is a
// clean stop, so this maps that exit to 0, as the API does. Any other exit code is left untouched.
const SIGTERM_EXIT = 143;

// With NEXT_MANUAL_SIG_HANDLE Next installs no handler: a listener here would then swallow SIGTERM.
if (!process.env.NEXT_MANUAL_SIG_HANDLE) {
  let terminating = false;
  process.once('SIGTERM', () => {
    terminating = true;
    console.log('SIGTERM received: finishing the requests in flight');
  });
  process.on('exit', (code) => {
    if (!terminating || code !== SIGTERM_EXIT) return;
    // Setting exitCode in an 'exit' listener changes the code the process ends with.
    process.exitCode = 0;
    console.log('closed cleanly');
  });
}

// server.js is CommonJS (the standalone package.json has no "type"); loaded once the handlers are in.
await import('./server.js');
