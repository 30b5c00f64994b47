/**
 * The reports of docs/behaviour.md §6 as rows: pure functions of a run's results. Headers keep
 * the earlier tool's names so existing consumers keep working. Every list is already in
 * a deterministic order, so identical inputs give identical files.
 */
import type { Discrepancies } from '../core/compare.js';
import type { ProbableMatch } from '../core/probable-match.js';
import { formatPercent } from '../core/format.js';
import { whyNothingCompared, type RunSummary } from '../core/summary.js';
import type { BadRow, NormalizedKey, SkippedSource, SystemSighting } from '../core/types.js';
import type { AuditEvent, MasterKeyRecord, Planned } from '../core/records.js';
import type { RecordsByKey } from '../core/registry-plan.js';
import type { Cell } from './csv-cell.js';

/** The eight reports every run writes. */
export const REPORT_NAMES = [
  'reconciliation_summary',
  'diff_missing_in_A',
  'diff_missing_from_system',
  'master_key_registry',
  'audit_log',
  'duplicates',
  'error_report',
  'trend_analysis',
  'probable_matches',
  'key_corrections',
] as const;

/** One of {@link REPORT_NAMES}. */
export type ReportName = (typeof REPORT_NAMES)[number];

/**
 * Each report's header row. Programs that read the reports (the extension's CodeLens) take
 * column names from here, typed as ReportColumn, so renaming a column cannot silently
 * break them.
 */
export const REPORT_HEADERS = {
  reconciliation_summary: ['Metric', 'Value', 'Timestamp'],
  diff_missing_in_A: ['Normalized Key', 'Source System', 'Original Key', 'Proposed Master Key', 'Provisioning Strategy', 'Status', 'Timestamp'],
  diff_missing_from_system: ['System', 'Normalized Key', 'Present in System A', 'Action Required', 'Timestamp'],
  master_key_registry: ['Master Key ID', 'Master Key', 'Source System', 'Source Key', 'Status', 'Provisioning Strategy', 'Created At', 'Activated At', 'Run ID'],
  audit_log: ['Audit ID', 'Timestamp', 'Event Type', 'Event Details', 'System', 'Key', 'Action Taken', 'Result'],
  duplicates: ['System', 'Normalized Key', 'Original Keys', 'Count', 'Lines'],
  error_report: ['Timestamp', 'Type', 'File', 'System', 'Line', 'Error', 'Action'],
  trend_analysis: ['Run ID', 'Timestamp', 'Total Keys', 'Match Rate', 'Out of Authority', 'Propagation Gaps', 'Trend'],
  probable_matches: ['Source System', 'Original Key', 'Normalized Key', 'Candidate A Key', 'Score', 'Reason', 'Rank'],
  key_corrections: ['System', 'Original Key', 'Should Be', 'Linked By', 'Linked At'],
} as const satisfies Readonly<Record<ReportName, readonly string[]>>;

/** A column of one report, by its header text. */
export type ReportColumn<R extends ReportName> = (typeof REPORT_HEADERS)[R][number];

/** A registry entry as reported; id null for an entry a dry run only simulated. */
export type RegistryRow = Planned<MasterKeyRecord>;

/** One completed run's headline figures, for the trend report. */
export interface TrendPoint {
  readonly runId: string;
  readonly timestamp: string;
  readonly totalKeys: number;
  /** Null for a run that compared nothing. */
  readonly matchRate: number | null;
  readonly outOfAuthoritySightings: number;
  readonly propagationGaps: number;
}

export interface ReportInput {
  readonly timestamp: string;
  readonly summary: RunSummary;
  readonly discrepancies: Discrepancies;
  /** The whole registry after the run, in id order. */
  readonly registry: readonly RegistryRow[];
  /** The same entries by normalised key. */
  readonly registryByKey: RecordsByKey<RegistryRow>;
  /** Audit events the report covers; id null for events a dry run only simulated. */
  readonly audit: Iterable<Planned<AuditEvent>>;
  readonly badRows: readonly BadRow[];
  readonly skippedSources: readonly SkippedSource[];
  /** Earlier completed runs, oldest first; this run is appended by the report. */
  readonly history: readonly TrendPoint[];
  /** Out-of-authority keys (not linked) with their candidates, by key (docs/behaviour.md §10). */
  readonly probableMatches: readonly ProbableMatch[];
}

type Rows = Iterable<readonly Cell[]>;

const percent = formatPercent;

/** The cell for a match rate of a run that compared nothing. */
const NOT_COMPARED = 'not compared';

export function* summaryRows({ summary, timestamp }: ReportInput): Rows {
  const { totals } = summary;
  yield REPORT_HEADERS.reconciliation_summary;
  const metric = (name: string, value: Cell): readonly Cell[] => [name, value, timestamp];
  // A run that compared nothing says why in place of each figure only a comparison gives.
  const compared = (value: number | null): Cell => value ?? `${NOT_COMPARED}: ${whyNothingCompared(summary)}`;
  yield metric('Run ID', summary.runId);
  yield metric('Total Unique Keys', totals.uniqueKeys);
  yield metric('Keys in System A', totals.keysInAuthority);
  yield metric('Keys Only in A (Propagation Gaps)', compared(totals.keysOnlyInAuthority));
  yield metric('Keys Missing in A (Out of Authority)', totals.keysMissingInAuthority);
  yield metric('Keys in All Systems', compared(totals.keysInAllSystems));
  yield metric('Overall Match Rate', totals.overallMatchRate === null ? compared(null) : percent(totals.overallMatchRate));
  // The earlier tool's name keeps its meaning, distinct keys; the (system, key) count has a row of its own.
  yield metric('Total Out of Authority Keys', totals.keysMissingInAuthority);
  yield metric('Out of Authority Sightings (system, key pairs)', totals.outOfAuthoritySightings);
  yield metric('Total Propagation Gaps', totals.propagationGaps);
  yield metric('Total Duplicate Groups', totals.duplicateGroups);
  yield metric('Out of Authority Keys with a Probable Match', totals.keysWithProbableMatch);
  yield metric('Out of Authority Keys Linked to A', totals.keysLinked);
  for (const system of summary.systems) {
    if (system.role === 'authority') continue;
    if (system.status === 'skipped') {
      yield metric(`Keys in System ${system.system}`, `skipped: ${system.skippedReason}`);
      continue;
    }
    yield metric(`Keys in System ${system.system}`, system.keys);
    if (system.matchRate !== null) yield metric(`Match Rate ${system.system}`, percent(system.matchRate));
  }
}

export function* missingInAuthorityRows({ discrepancies, registryByKey, timestamp }: ReportInput): Rows {
  yield REPORT_HEADERS.diff_missing_in_A;
  for (const { key, sightings } of discrepancies.outOfAuthority) {
    const record = registryByKey.get(key);
    // A linked key shows the authority key it should be where a proposal shows its master key.
    const masterKey = record?.status === 'linked' ? record.linkedTo : record?.masterKey;
    for (const sighting of sightings) {
      yield [key, sighting.system, sighting.raw, masterKey ?? '', record?.strategy ?? '', record?.status ?? '', timestamp];
    }
  }
}

export function* probableMatchRows({ discrepancies, probableMatches }: ReportInput): Rows {
  yield REPORT_HEADERS.probable_matches;
  if (probableMatches.length === 0) return;
  // Sightings of the matched keys only: a map of every out-of-authority key costs seconds at 10M keys.
  const sightingsOf = new Map<NormalizedKey, readonly SystemSighting[]>(probableMatches.map(({ key }) => [key, []]));
  for (const { key, sightings } of discrepancies.outOfAuthority) if (sightingsOf.has(key)) sightingsOf.set(key, sightings);
  for (const { key, candidates } of probableMatches) {
    for (const sighting of sightingsOf.get(key)!) {
      for (const [rank, candidate] of candidates.entries()) {
        yield [sighting.system, sighting.raw, key, candidate.authorityKey, candidate.score.toFixed(2), candidate.reason, rank + 1];
      }
    }
  }
}

/** What the owners of each downstream system should correct: every raw key linked to an authority key. */
export function* keyCorrectionRows({ discrepancies, registry, registryByKey }: ReportInput): Rows {
  yield REPORT_HEADERS.key_corrections;
  // Most registries link nothing: one pass over the entries spares looking up every out-of-authority key.
  if (!registry.some((record) => record.status === 'linked')) return;
  for (const { key, sightings } of discrepancies.outOfAuthority) {
    const record = registryByKey.get(key);
    if (record?.status !== 'linked') continue;
    for (const sighting of sightings) yield [sighting.system, sighting.raw, record.linkedTo, record.statusChangedBy, record.statusChangedAt];
  }
}

export function* missingFromSystemRows({ discrepancies, timestamp }: ReportInput): Rows {
  yield REPORT_HEADERS.diff_missing_from_system;
  for (const [system, keys] of discrepancies.gaps) {
    for (const { key } of keys) yield [system, key, 'Yes', `Propagate to ${system}`, timestamp];
  }
}

export function* registryRows({ registry }: ReportInput): Rows {
  yield REPORT_HEADERS.master_key_registry;
  for (const record of registry) {
    yield [
      record.id ?? 'dry-run',
      record.masterKey,
      record.sourceSystem,
      record.sourceKey,
      record.status,
      record.strategy,
      record.createdAt,
      record.activatedAt,
      record.createdRunId,
    ];
  }
}

export function* auditRows({ audit }: ReportInput): Rows {
  yield REPORT_HEADERS.audit_log;
  for (const event of audit) {
    yield [event.id ?? 'dry-run', event.timestamp, event.eventType, event.details, event.system, event.key, event.action, event.result];
  }
}

export function* duplicateRows({ discrepancies }: ReportInput): Rows {
  yield REPORT_HEADERS.duplicates;
  for (const { system, key, sightings } of discrepancies.duplicates) {
    yield [
      system,
      key,
      sightings.map((sighting) => sighting.raw).join(' | '),
      sightings.length,
      sightings.map((sighting) => sighting.line).join(' | '),
    ];
  }
}

export function* errorRows({ badRows, skippedSources, timestamp }: ReportInput): Rows {
  yield REPORT_HEADERS.error_report;
  for (const source of skippedSources) {
    yield [timestamp, 'source_skipped', source.file, source.system, null, source.reason, 'system left out of the run'];
  }
  for (const row of badRows) {
    yield [timestamp, 'bad_row', row.file, row.system, row.line, `${row.reason}: ${row.detail}`, row.action === 'kept' ? 'row kept' : 'row skipped'];
  }
}

export function* trendRows({ history, summary, timestamp }: ReportInput): Rows {
  yield REPORT_HEADERS.trend_analysis;
  const points: TrendPoint[] = [
    ...history,
    {
      runId: summary.runId,
      timestamp,
      totalKeys: summary.totals.uniqueKeys,
      matchRate: summary.totals.overallMatchRate,
      outOfAuthoritySightings: summary.totals.outOfAuthoritySightings,
      propagationGaps: summary.totals.propagationGaps,
    },
  ];
  // A run that compared nothing has no rate: it is no trend point, and the next run is
  // measured against the last run that compared something.
  let previous: number | undefined;
  for (const point of points) {
    const rate = point.matchRate;
    yield [point.runId, point.timestamp, point.totalKeys, rate === null ? NOT_COMPARED : percent(rate), point.outOfAuthoritySightings, point.propagationGaps, rate === null ? NOT_COMPARED : trend(previous, rate)];
    if (rate !== null) previous = rate;
  }
}

/** Compared at the precision the report prints, so "Stable" means the printed rates are equal. */
function trend(previous: number | undefined, current: number): string {
  if (previous === undefined) return 'Baseline';
  const delta = Math.round(current * 10_000) - Math.round(previous * 10_000);
  return delta > 0 ? 'Improving' : delta < 0 ? 'Degrading' : 'Stable';
}

export const REPORT_ROWS: Readonly<Record<ReportName, (input: ReportInput) => Rows>> = {
  reconciliation_summary: summaryRows,
  diff_missing_in_A: missingInAuthorityRows,
  diff_missing_from_system: missingFromSystemRows,
  master_key_registry: registryRows,
  audit_log: auditRows,
  duplicates: duplicateRows,
  error_report: errorRows,
  trend_analysis: trendRows,
  probable_matches: probableMatchRows,
  key_corrections: keyCorrectionRows,
};
