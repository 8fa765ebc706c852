/**
 * What the runner machine itself provides to every step; nothing else of the operator's shell leaks
 * in (a secret exported in the shell must not reach a step that GitHub would not give it).
 *
 * Besides the basics, the machine's network settings: a runner behind a TLS-inspecting proxy is
 * configured with the proxy and its CA at machine level (a self-hosted runner's `.env`), and GitHub's
 * runner honours them for every step. Where they are unset (a GitHub-hosted runner), nothing is added.
 */
const MACHINE_KEYS = ['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'TERM'];
const NETWORK_KEYS = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

export function runnerEnvironment(
  extra: Record<string, string>,
  machine: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of [...MACHINE_KEYS, ...NETWORK_KEYS])
    if (machine[key] !== undefined) base[key] = machine[key]!;
  return { ...base, ...extra };
}
