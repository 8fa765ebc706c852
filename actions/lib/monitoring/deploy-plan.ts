// Every remote command of the monitoring deploy, as argv arrays (pure). A host's layout:
//   <root>/releases/<id>/{rules,alertmanager,dashboards}   one directory per release
//   <root>/current -> releases/<id>                        what Prometheus, Alertmanager and Grafana read
// Prometheus's rule_files, Alertmanager's --config.file and Grafana's dashboard provider point
// into <root>/current, so switching the symlink (rename(2): atomic) switches everything at once.

export interface MonitoringHost {
  root: string;
  /** As seen on the host, e.g. `http://127.0.0.1:9090`. */
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The host's prometheus.yml, for `promtool check config` with the new rules in place. */
  prometheusConfig: string;
}

export const releaseDir = (root: string, id: string) => `${root}/releases/${id}`;
export const currentLink = (root: string) => `${root}/current`;

/** A release id: UTC time to the second and the commit, sortable. */
export function releaseId(now: Date, sha: string): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${time}-${sha.slice(0, 12) || 'local'}`;
}

export const plan = {
  makeDirs: (root: string, id: string, dirs: string[]) => [
    'mkdir',
    '-p',
    ...dirs.map((d) => `${releaseDir(root, id)}/${d}`),
  ],
  readCurrent: (root: string) => ['readlink', currentLink(root)],
  checkRules: (files: string[]) => ['promtool', 'check', 'rules', ...files],
  checkAlertmanager: (file: string) => ['amtool', 'check-config', file],
  checkPrometheusConfig: (file: string) => ['promtool', 'check', 'config', file],
  /** Points `current` at a release: a new symlink renamed over the old one (atomic). */
  link: (root: string, id: string) => ['ln', '-sfn', `releases/${id}`, `${currentLink(root)}.new`],
  swap: (root: string) => ['mv', '-T', `${currentLink(root)}.new`, currentLink(root)],
  reload: (url: string) => [
    'curl',
    '-sS',
    '--max-time',
    '60',
    '-X',
    'POST',
    '-w',
    '%{http_code}',
    `${url}/-/reload`,
  ],
  get: (url: string) => ['curl', '-fsS', '--max-time', '15', url],
  listReleases: (root: string) => ['ls', '-1', `${root}/releases`],
  remove: (root: string, ids: string[]) => ['rm', '-rf', '--', ...ids.map((id) => releaseDir(root, id))],
};

/** Releases to delete: all but the newest `keep`, never the current or the previous one. */
export function releasesToPrune(ids: string[], keep: number, protect: (string | undefined)[]): string[] {
  const sorted = [...ids].sort().reverse();
  return sorted.slice(keep).filter((id) => !protect.includes(id));
}
