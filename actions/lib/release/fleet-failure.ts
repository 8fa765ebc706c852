import type { FleetOutcome } from './fleet';

/** Throws one message naming every failed host and why, and warns loudly about mixed versions. */
export function throwIfFleetFailed(outcome: FleetOutcome, what: string): void {
  if (outcome.failed.length === 0) return;
  const lines = outcome.failed.map((h) => `- ${h.label}: ${h.record.error ?? 'failed'}`);
  if (outcome.undoFailed.length > 0) {
    lines.push(
      `MIXED VERSIONS: ${outcome.undoFailed.map((h) => h.label).join(', ')} could not be switched back; see docs/DEPLOY.md ("Manual rollback").`,
      ...outcome.undoFailed.map(
        (h) =>
          `- ${h.label} still serves ${h.record.state.current?.version ?? '?'}: ${h.record.error ?? 'switching back failed'}`,
      ),
    );
  } else if (outcome.rolledBack) {
    lines.push(
      `The hosts switched in this run were switched back: ${outcome.hosts
        .filter((h) => h.record.result === 'undone')
        .map((h) => h.label)
        .join(', ')}.`,
    );
  }
  throw new Error(
    `${what} failed on ${outcome.failed.length} of ${outcome.hosts.length} host(s):\n${lines.join('\n')}`,
  );
}
