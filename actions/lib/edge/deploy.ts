// Deploys the rendered edge configuration to every edge host over SSH, one host after the other:
// upload (the version's copy and the live file, the old one kept as `.previous`), test, reload,
// check from outside that it serves. Any failure puts the previous configuration back on the
// failing host and on every host already switched, and reloads where nginx had loaded the new one,
// so the edge never ends half new, half old. The version is recorded only when every host serves it.
import { createHash } from 'node:crypto';
import type { Log } from '../action/core';
import type { Host } from '../tls/hosts';
import {
  afterEdgeDeploy,
  EDGE_APP,
  edgeLayout,
  edgePlan,
  parseEdgeState,
  releaseCopy,
  releasesToRemove,
  type EdgeAuditEntry,
  type EdgeLayout,
  type EdgeState,
} from './plan';
import { waitForEdge, type EdgeProbe } from './verify';

export interface EdgeDeploy {
  version: string;
  /** The rendered configuration. */
  config: string;
  root: string;
  configPath: string;
  testCommand: string[];
  reloadCommand: string[];
  /** Everything of the check but the address (each host's own). */
  probe: Omit<EdgeProbe, 'address'>;
  keepReleases: number;
  actor: string;
  run?: string;
}

export interface HostOutcome {
  host: string;
  previous?: string;
  outcome: 'live' | 'reverted' | 'failed' | 'untouched';
  detail: string;
}

export interface EdgeDeployResult {
  previous?: string;
  hosts: HostOutcome[];
}

/** A deploy that failed: the message says what and where; `reverted` whether every host serves its previous configuration. */
export class EdgeDeployError extends Error {
  constructor(
    message: string,
    readonly reverted: boolean,
    readonly hosts: HostOutcome[],
    readonly previous?: string,
  ) {
    super(message);
    this.name = 'EdgeDeployError';
  }
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One host's progress, for the undo: what was changed there. */
interface Switched {
  host: Host;
  /** The live file was backed up to `.previous` (before that, a `.previous` may be an older one). */
  backedUp: boolean;
  reloaded: boolean;
}

/** What a run knows about every host (the undo and the audit lines need it all). */
interface Run {
  hosts: Host[];
  states: EdgeState[];
  layout: EdgeLayout;
  d: EdgeDeploy;
  log: Log;
  started: number;
}

export async function deployEdge(hosts: Host[], d: EdgeDeploy, log: Log): Promise<EdgeDeployResult> {
  const layout = edgeLayout(d.root, d.configPath);
  const states = await Promise.all(hosts.map((h) => readEdgeState(h, layout)));
  const run: Run = { hosts, states, layout, d, log, started: Date.now() };
  const switched: Switched[] = [];
  for (const host of hosts) {
    const step: Switched = { host, backedUp: false, reloaded: false };
    try {
      await switchHost(step, layout, d, log);
      switched.push(step);
    } catch (error) {
      throw await undoFailedDeploy(run, [...switched, step], (error as Error).message);
    }
  }
  const outcomes: HostOutcome[] = [];
  for (const [i, host] of hosts.entries()) {
    await record(host, layout, d, states[i]!, run.started, log);
    outcomes.push({
      host: host.label,
      previous: states[i]!.current?.version,
      outcome: 'live',
      detail: `serves ${d.version}`,
    });
  }
  return { previous: states[0]?.current?.version, hosts: outcomes };
}

/** Puts every changed host back (the last one is the host that failed) and words the failure. */
async function undoFailedDeploy(run: Run, steps: Switched[], reason: string): Promise<EdgeDeployError> {
  const failed = steps.at(-1)!.host;
  const undone = await undoAll(steps, run.layout, run.d, run.log);
  const outcomes = run.hosts.map((h, i): HostOutcome => {
    const undo = undone.get(h.label);
    if (undo === undefined) return { host: h.label, outcome: 'untouched', detail: 'not changed' };
    return {
      host: h.label,
      previous: run.states[i]!.current?.version,
      outcome: undo.ok ? 'reverted' : 'failed',
      detail: h === failed ? `${reason}; ${undo.detail}` : undo.detail,
    };
  });
  await recordFailure(run, outcomes);
  const undoLines = [...undone].map(([label, undo]) => `${label}: ${undo.detail}`);
  return new EdgeDeployError(
    `The edge ${run.d.version} was not deployed: ${failed.label}: ${reason}\n${undoLines.join('\n')}`,
    [...undone.values()].every((u) => u.ok),
    outcomes,
    run.states[0]?.current?.version,
  );
}

async function readEdgeState(host: Host, layout: EdgeLayout): Promise<EdgeState> {
  const text = (await host.session.readFile(layout.state))?.toString('utf8');
  return parseEdgeState(text, `${host.label}:${layout.state}`);
}

/** Uploads, tests, reloads and checks one host; `step.reloaded` says whether nginx loaded the new file. */
async function switchHost(step: Switched, layout: EdgeLayout, d: EdgeDeploy, log: Log): Promise<void> {
  const { session, label, target } = step.host;
  await session.exec(edgePlan.makeReleaseDir(layout, d.version));
  await session.writeFile(releaseCopy(layout, d.version), d.config, { mode: 0o644 });
  await session.writeFile(layout.staged, d.config, { mode: 0o644 });
  await session.exec(edgePlan.backup(layout));
  step.backedUp = true;
  await session.rename(layout.staged, layout.config);
  const test = await session.exec(d.testCommand, { allowFailure: true });
  if (test.code !== 0)
    throw new Error(
      `\`${d.testCommand.join(' ')}\` refused the new configuration (exit code ${test.code}): ${output(test)}`,
    );
  log.info(`${label}: \`${d.testCommand.join(' ')}\` accepts ${layout.config}`);
  step.reloaded = true; // a reload that fails part way may still have loaded it: undo reloads too
  const reload = await session.exec(d.reloadCommand, { allowFailure: true });
  if (reload.code !== 0)
    throw new Error(`\`${d.reloadCommand.join(' ')}\` failed (exit code ${reload.code}): ${output(reload)}`);
  const statuses = await waitForEdge({ ...d.probe, address: target.host });
  log.info(
    `${label}: serves the new configuration over HTTPS (${Object.entries(statuses)
      .map(([name, status]) => `${name} → ${status}`)
      .join(', ')})`,
  );
}

/** Puts `.previous` back on each host (newest first) and reloads where needed; never throws. */
async function undoAll(
  steps: Switched[],
  layout: EdgeLayout,
  d: EdgeDeploy,
  log: Log,
): Promise<Map<string, { ok: boolean; detail: string }>> {
  const results = new Map<string, { ok: boolean; detail: string }>();
  for (const step of [...steps].reverse()) {
    const { session, label } = step.host;
    try {
      await session.remove(layout.staged);
      if (step.backedUp) await session.exec(edgePlan.restore(layout));
      if (step.reloaded) await session.exec(d.reloadCommand);
      const detail = !step.backedUp
        ? 'nothing was changed'
        : `the previous configuration was put back${step.reloaded ? ' and nginx reloaded' : ' (nginx never loaded the new one)'}`;
      log.warning(`${label}: ${detail}`);
      results.set(label, { ok: true, detail });
    } catch (error) {
      const detail = `PUTTING THE PREVIOUS CONFIGURATION BACK FAILED, check ${layout.config} by hand (the old file may be ${layout.previous}): ${(error as Error).message}`;
      log.warning(`${label}: ${detail}`);
      results.set(label, { ok: false, detail });
    }
  }
  return results;
}

/** state.json (temp file + rename), `current`, the audit line, and old release copies pruned. */
async function record(
  host: Host,
  layout: EdgeLayout,
  d: EdgeDeploy,
  state: EdgeState,
  started: number,
  log: Log,
): Promise<void> {
  const { session, label } = host;
  const release = { version: d.version, sha256: sha256(d.config), deployedAt: new Date().toISOString() };
  const next = afterEdgeDeploy(state, release, d.keepReleases);
  await session.writeFile(`${layout.state}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  await session.rename(`${layout.state}.tmp`, layout.state);
  await session.writeFile(`${layout.current}.tmp`, `${d.version}\n`);
  await session.rename(`${layout.current}.tmp`, layout.current);
  await appendAudit(host, layout, audit(d, label, state, 'success', started));
  const listed = await session.exec(edgePlan.listReleases(layout), { allowFailure: true });
  const stale = releasesToRemove(listed.stdout.split('\n').filter(Boolean), next);
  if (stale.length > 0) {
    await session.exec(edgePlan.removeReleases(layout, stale), { allowFailure: true });
    log.info(`${label}: removed old edge releases ${stale.join(', ')}`);
  }
}

/** The audit lines of a failed deploy on every host it touched; a host that cannot be written is skipped. */
async function recordFailure(run: Run, outcomes: HostOutcome[]): Promise<void> {
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.outcome === 'untouched') continue;
    const result = outcome.outcome === 'reverted' ? 'reverted' : 'failed';
    const entry = audit(run.d, outcome.host, run.states[i]!, result, run.started);
    await appendAudit(run.hosts[i]!, run.layout, { ...entry, error: outcome.detail }).catch(() => undefined);
  }
}

function audit(
  d: EdgeDeploy,
  host: string,
  state: EdgeState,
  result: EdgeAuditEntry['result'],
  started: number,
): EdgeAuditEntry {
  return {
    time: new Date().toISOString(),
    action: 'deploy',
    actor: d.actor,
    app: EDGE_APP,
    version: d.version,
    previous: state.current?.version ?? null,
    sha256: sha256(d.config),
    host,
    result,
    durationMs: Date.now() - started,
    ...(d.run ? { run: d.run } : {}),
  };
}

async function appendAudit(host: Host, layout: EdgeLayout, entry: EdgeAuditEntry): Promise<void> {
  await host.session.exec(edgePlan.appendLog(layout), { stdin: `${JSON.stringify(entry)}\n` });
}

/** The tail of what a failed command printed (nginx -t reports on stderr). */
function output(result: { stdout: string; stderr: string }): string {
  const text = `${result.stderr.trim()}\n${result.stdout.trim()}`.trim() || '(no output)';
  return text.length > 2_000 ? `…${text.slice(-2_000)}` : text;
}
