/**
 * What a finished run is called and what changed since the one before: the completion
 * message, the summary's heading and the incremental run's "re-read vs from snapshot"
 * line all come from here. Pure: no editor API.
 */
import type { RunSummary } from '@keysync/sdk';
import { formatCount, formatPercent } from './format.js';

/** "Dry run", "Incremental run" or "Full run". */
export function runKind(summary: Pick<RunSummary, 'dryRun' | 'mode'>): string {
  if (summary.dryRun) return summary.mode === 'incremental' ? 'Incremental dry run' : 'Dry run';
  return summary.mode === 'incremental' ? 'Incremental run' : 'Full run';
}

export interface SystemChange {
  readonly system: string;
  /** Incremental runs: the source was taken from its snapshot (unchanged, or changed in columns other than the key). */
  readonly fromSnapshot: boolean;
  /** Net change in distinct keys against the previous run; null when the system is new to this run. */
  readonly keysDelta: number | null;
}

/** Per read system: re-read or taken from the snapshot, and the net change in its keys since `previous`. */
export function systemChanges(summary: RunSummary, previous: RunSummary | undefined): SystemChange[] {
  return summary.systems
    .filter((system) => system.status === 'read')
    .map((system) => {
      const before = previous?.systems.find((candidate) => candidate.system === system.system && candidate.status === 'read');
      return { system: system.system, fromSnapshot: system.fromSnapshot, keysDelta: before ? system.keys - before.keys : null };
    });
}

/** "+3", "−2", "±0". */
export function signedCount(delta: number): string {
  if (delta === 0) return '±0';
  return delta > 0 ? `+${formatCount(delta)}` : `−${formatCount(-delta)}`;
}

/**
 * For an incremental run: which sources were re-read, which came from their snapshots, and
 * the net key changes since the previous run ("re-read B; from snapshot A, C; keys: B +2").
 */
export function incrementalChanges(summary: RunSummary, previous: RunSummary | undefined): string {
  const changes = systemChanges(summary, previous);
  const reread = changes.filter((change) => !change.fromSnapshot).map((change) => change.system);
  const snapshot = changes.filter((change) => change.fromSnapshot).map((change) => change.system);
  const parts = [
    reread.length ? `re-read ${reread.join(', ')}` : 'no source changed',
    ...(snapshot.length ? [`from snapshot ${snapshot.join(', ')}`] : []),
  ];
  const moved = changes.filter((change) => change.keysDelta !== null && change.keysDelta !== 0);
  if (previous) parts.push(moved.length ? `keys ${moved.map((change) => `${change.system} ${signedCount(change.keysDelta!)}`).join(', ')}` : 'same keys as the previous run');
  return parts.join('; ');
}

/** The completion message of a run, saying which kind of run it was. */
export function runCompletedMessage(summary: RunSummary, previous: RunSummary | undefined): string {
  const { totals, registry } = summary;
  const rate = totals.overallMatchRate === null ? 'nothing compared' : `overall match ${formatPercent(totals.overallMatchRate)}`;
  const kind = summary.dryRun ? `${runKind(summary)} (nothing was saved)` : runKind(summary);
  const changes = summary.mode === 'incremental' ? ` ${capitalise(incrementalChanges(summary, previous))}.` : '';
  return (
    `KeySync: ${kind} ${summary.runId}: ${rate}, ${formatCount(totals.propagationGaps)} gaps, ${formatCount(totals.outOfAuthoritySightings)} out of authority, ` +
    `${formatCount(registry.pending)} master keys ${summary.dryRun ? 'would be ' : ''}pending review.${changes}`
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
