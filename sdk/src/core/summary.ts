/** The typed summary of one run: what the CLI prints, the summary report holds and views chart. */
import { totalGaps, type Discrepancies } from './compare.js';
import { formatCount, formatPercent } from './format.js';
import type { NormalizedKey, RunEngine, RunMode, SystemId } from './types.js';

/** One system's part in a run: keys, match rate, or why it was left out. */
export interface SystemSummary {
  readonly system: SystemId;
  readonly role: 'authority' | 'downstream';
  /** `skipped`: the source could not be used and the system was left out of the run. */
  readonly status: 'read' | 'skipped';
  /** Incremental mode took the system from its snapshot: the source was unchanged, or its file changed but not its keys digest. */
  readonly fromSnapshot: boolean;
  readonly file: string;
  readonly rows: number;
  readonly keys: number;
  readonly repeatedRows: number;
  readonly badRows: number;
  /** |A ∩ S| ÷ |A|; null for the authority and for skipped systems. */
  readonly matchRate: number | null;
  readonly gaps: number;
  readonly outOfAuthority: number;
  readonly duplicateGroups: number;
  readonly skippedReason: string | null;
  /** The error code that left the system out (SOURCE_MISSING, SOURCE_EMPTY, …). */
  readonly skippedCode: string | null;
}

/** A run's headline figures, as the `reconciliation_summary` report states them. */
export interface RunTotals {
  /**
   * Downstream systems read and compared with the authority. 0 means the run compared
   * nothing (every downstream system left out, or none configured): the figures below that
   * only a comparison gives are then null, and `--fail-on-discrepancy` fails the run.
   */
  readonly comparedSystems: number;
  readonly uniqueKeys: number;
  readonly keysInAuthority: number;
  /** Keys in the authority and in no other system; null when nothing was compared. */
  readonly keysOnlyInAuthority: number | null;
  /**
   * Distinct keys found outside the authority: the summary report's "Total Out of Authority Keys", as the earlier tool counted them.
   * A key a person linked to an authority key (docs/behaviour.md §10) is not counted: it is that key, mistyped.
   */
  readonly keysMissingInAuthority: number;
  /** Out-of-authority keys with at least one probable match (docs/behaviour.md §10); 0 when matching is off. */
  readonly keysWithProbableMatch: number;
  /** Keys outside the authority that a person linked to an authority key, seen in this run. */
  readonly keysLinked: number;
  /** Null when nothing was compared. */
  readonly keysInAllSystems: number | null;
  /** Null when nothing was compared. Linked keys are not unique keys of their own. */
  readonly overallMatchRate: number | null;
  /** Σ over systems of |S − A|: (system, key) pairs, so a key outside A in two systems counts twice. */
  readonly outOfAuthoritySightings: number;
  /** Σ over systems of |A − S|. */
  readonly propagationGaps: number;
  readonly duplicateGroups: number;
  readonly badRows: number;
  readonly repeatedRows: number;
}

/** What a run did to the registry: proposals made, resolved, auto-approved, and pending after it. */
export interface RegistryChanges {
  readonly proposed: number;
  readonly autoApproved: number;
  readonly resolved: number;
  /** Proposals awaiting a decision once the run finished. */
  readonly pending: number;
}

/** The summary of a run, as returned by `reconcile` and stored with the run. */
export interface RunSummary {
  readonly runId: string;
  readonly mode: RunMode;
  /** Where keys were normalised and compared (docs/behaviour.md §11); absent in summaries stored before engines existed. */
  readonly engine?: RunEngine;
  /** With `processing.engine: auto`: why it picked `engine` (docs/behaviour.md §11). */
  readonly engineReason?: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly authority: SystemId;
  readonly systems: readonly SystemSummary[];
  readonly totals: RunTotals;
  readonly registry: RegistryChanges;
  /**
   * What the user should know about this run beyond its figures (normalisation rules that
   * changed since the previous run). Absent in summaries stored before it existed.
   */
  readonly warnings: readonly string[];
}

/** How one configured source took part in the run. */
export type SourceOutcome =
  | { readonly system: SystemId; readonly file: string; readonly status: 'read'; readonly rows: number; readonly repeatedRows: number; readonly badRows: number }
  | { readonly system: SystemId; readonly file: string; readonly status: 'skipped'; readonly reason: string; readonly code: string };

export interface SummaryInput {
  readonly runId: string;
  readonly mode: RunMode;
  readonly engine: RunEngine;
  readonly engineReason?: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly sources: readonly SourceOutcome[];
  readonly discrepancies: Discrepancies;
  readonly fromSnapshot: ReadonlySet<SystemId>;
  readonly registry: RegistryChanges;
  readonly warnings?: readonly string[];
  /** Keys linked to an authority key in the registry: no longer out of authority. */
  readonly linked?: ReadonlySet<NormalizedKey>;
  readonly keysWithProbableMatch?: number;
}

export function summarizeRun(input: SummaryInput): RunSummary {
  const { discrepancies: d } = input;
  const outOfAuthorityBySystem = new Map<SystemId, number>();
  const linked = input.linked ?? new Set<NormalizedKey>();
  let keysLinked = 0;
  for (const { key, sightings } of d.outOfAuthority) {
    if (linked.has(key)) {
      keysLinked++;
      continue;
    }
    // Each system once per key, without a set per key: a key has a handful of sightings at most.
    sightings.forEach(({ system }, i) => {
      if (sightings.findIndex((sighting) => sighting.system === system) < i) return;
      outOfAuthorityBySystem.set(system, (outOfAuthorityBySystem.get(system) ?? 0) + 1);
    });
  }
  const systems = input.sources.map((source): SystemSummary => {
    const role = source.system === d.authority ? 'authority' : 'downstream';
    if (source.status === 'skipped') {
      return {
        system: source.system, role, status: 'skipped', fromSnapshot: false, file: source.file, rows: 0, keys: 0, repeatedRows: 0, badRows: 0,
        matchRate: null, gaps: 0, outOfAuthority: 0, duplicateGroups: 0, skippedReason: source.reason, skippedCode: source.code,
      };
    }
    return {
      system: source.system,
      role,
      status: 'read',
      fromSnapshot: input.fromSnapshot.has(source.system),
      file: source.file,
      rows: source.rows,
      keys: d.keyCounts[source.system] ?? 0,
      repeatedRows: source.repeatedRows,
      badRows: source.badRows,
      matchRate: role === 'authority' ? null : (d.matchRates.bySystem[source.system] ?? 0),
      gaps: d.gaps.get(source.system)?.length ?? 0,
      outOfAuthority: outOfAuthorityBySystem.get(source.system) ?? 0,
      duplicateGroups: d.duplicates.filter((group) => group.system === source.system).length,
      skippedReason: null,
      skippedCode: null,
    };
  });
  const read = systems.filter((system) => system.status === 'read');
  const compared = d.comparedSystems > 0;
  return {
    runId: input.runId,
    mode: input.mode,
    engine: input.engine,
    ...(input.engineReason === undefined ? {} : { engineReason: input.engineReason }),
    dryRun: input.dryRun,
    startedAt: input.startedAt,
    authority: d.authority,
    systems,
    totals: {
      comparedSystems: d.comparedSystems,
      uniqueKeys: d.uniqueKeys - keysLinked,
      keysInAuthority: d.keyCounts[d.authority] ?? 0,
      keysOnlyInAuthority: compared ? d.onlyInAuthority.length : null,
      keysMissingInAuthority: d.outOfAuthority.length - keysLinked,
      keysWithProbableMatch: input.keysWithProbableMatch ?? 0,
      keysLinked,
      keysInAllSystems: compared ? d.keysInAllSystems : null,
      overallMatchRate: compared ? (d.uniqueKeys - keysLinked === 0 ? 0 : d.keysInAllSystems / (d.uniqueKeys - keysLinked)) : null,
      outOfAuthoritySightings: [...outOfAuthorityBySystem.values()].reduce((sum, count) => sum + count, 0),
      propagationGaps: totalGaps(d),
      duplicateGroups: d.duplicates.length,
      badRows: read.reduce((sum, system) => sum + system.badRows, 0),
      repeatedRows: read.reduce((sum, system) => sum + system.repeatedRows, 0),
    },
    registry: input.registry,
    warnings: input.warnings ?? [],
  };
}

/**
 * A summary as stored with its run. Before the pair count had its own name, it was stored as
 * `totals.outOfAuthority`; such summaries are read under the current name. Summaries stored
 * before probable matches and links existed count none.
 */
export function storedSummary(json: string): RunSummary {
  const summary = JSON.parse(json) as RunSummary & { totals: Partial<RunTotals> & { outOfAuthority?: number } };
  const { outOfAuthority, ...stored } = summary.totals;
  const totals: RunTotals = { ...stored, keysWithProbableMatch: stored.keysWithProbableMatch ?? 0, keysLinked: stored.keysLinked ?? 0 };
  if (outOfAuthority === undefined) return { ...summary, totals };
  return { ...summary, totals: { ...totals, outOfAuthoritySightings: outOfAuthority } };
}

/**
 * Whether the run compared no downstream system with the authority. (A summary stored
 * before `comparedSystems` existed always compared something: such runs needed a system.)
 */
export function comparedNothing(summary: RunSummary): boolean {
  return summary.totals.comparedSystems === 0;
}

/** Why a run compared nothing, in words for the summary, the reports and the CLI. */
export function whyNothingCompared(summary: RunSummary): string {
  const downstream = summary.systems.filter((system) => system.role === 'downstream');
  if (downstream.length === 0) return 'no downstream system is configured, only the authority';
  return `every downstream system was left out of the run (${downstream.map((system) => system.system).join(', ')})`;
}

/**
 * Whether a run found anything to act on (the `--fail-on-discrepancy` gate). A run that
 * compared nothing is one: it cannot vouch that the systems agree.
 */
export function hasDiscrepancies(summary: RunSummary): boolean {
  const { totals } = summary;
  return comparedNothing(summary) || totals.propagationGaps + totals.keysMissingInAuthority + totals.duplicateGroups + totals.badRows > 0;
}

/** The columns of the per-system summary table, in order, as the CLI and the editor head it. */
export const SUMMARY_TABLE_COLUMNS = ['System', 'Role', 'Rows', 'Keys', 'Match', 'Gaps', 'Out of A', 'Dup groups', 'Bad rows'] as const;

/** One system's row of the summary table: its label and the figures under the other columns. */
export interface SummaryTableRow {
  /** The row's label, under `System`. */
  readonly system: SystemId;
  /** Whether the system is the authority or a downstream one (renderings mark the authority). */
  readonly role: SystemSummary['role'];
  /**
   * The formatted figures under `Rows` … `Bad rows`, in column order; null for a system left
   * out of the run, which each rendering shows with its `skippedReason` instead.
   */
  readonly values: readonly string[] | null;
  /** Why the system was left out of the run; null when it was read. */
  readonly skippedReason: string | null;
}

/**
 * The per-system summary table, once: the CLI's text and the editor's Markdown only lay it
 * out. The authority is compared with nothing, so its gap and out-of-authority cells are `—`,
 * as is the match rate where there is none.
 */
export function summaryTableRows(summary: RunSummary): SummaryTableRow[] {
  const rate = (value: number | null) => (value === null ? '—' : formatPercent(value));
  return summary.systems.map((system) => ({
    system: system.system,
    role: system.role,
    skippedReason: system.status === 'skipped' ? system.skippedReason : null,
    values:
      system.status === 'skipped'
        ? null
        : [
            formatCount(system.rows),
            formatCount(system.keys),
            rate(system.matchRate),
            system.role === 'authority' ? '—' : formatCount(system.gaps),
            system.role === 'authority' ? '—' : formatCount(system.outOfAuthority),
            formatCount(system.duplicateGroups),
            formatCount(system.badRows),
          ],
  }));
}
