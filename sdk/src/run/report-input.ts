/**
 * What the reports show once a run's plan is known: the registry as the plan leaves it,
 * every audit event not yet in an earlier run's report (stored ones, then the plan's),
 * and the completed runs for the trend.
 */
import type { Discrepancies } from '../core/compare.js';
import { concatenated } from '../core/iterables.js';
import type { AuditEvent, Planned } from '../core/records.js';
import type { ProbableMatch } from '../core/probable-match.js';
import type { RegistryPlan } from '../core/registry-plan.js';
import type { RunSummary } from '../core/summary.js';
import type { ReportInput, TrendPoint } from '../reports/report-rows.js';
import type { SourcesRead } from '../sources/read-all.js';
import { listAudit } from '../store/audit-repo.js';
import { getRun, listRuns, type RunRecord } from '../store/runs-repo.js';
import type { Db } from '../store/store.js';
import { reportTimestamp, type RunIdentity } from './run-identity.js';

export interface ReportInputRequest {
  readonly run: RunIdentity;
  readonly dryRun: boolean;
  readonly summary: RunSummary;
  readonly discrepancies: Discrepancies;
  readonly sources: Pick<SourcesRead, 'badRows' | 'skipped'>;
  readonly plan: RegistryPlan;
  /** The plan's events plus the run's own (source and completion events). */
  readonly events: Iterable<Planned<AuditEvent>>;
  readonly probableMatches: readonly ProbableMatch[];
}

export async function reportInputFor(db: Db, request: ReportInputRequest): Promise<ReportInput> {
  const completed = await listRuns(db, { status: 'completed' });
  const thisRun = request.dryRun ? undefined : await getRun(db, request.run.id);
  const auditFromId = thisRun?.auditFromId ?? (completed[0]?.auditToId ?? 0) + 1;
  // Events past the run's reserved ids (a PostgreSQL decision made meanwhile) belong to the next run's report.
  const firstPlanned = firstPlannedId(request.events);
  const stored = (await listAudit(db, { fromId: auditFromId })).filter((event) => firstPlanned === null || event.id < firstPlanned);
  return {
    timestamp: reportTimestamp(request.run),
    summary: request.summary,
    discrepancies: request.discrepancies,
    registry: request.plan.after,
    registryByKey: request.plan.afterByKey,
    audit: concatenated(stored, request.events),
    badRows: request.sources.badRows,
    skippedSources: request.sources.skipped,
    history: completed.reverse().flatMap(trendPoint),
    probableMatches: request.probableMatches,
  };
}

/** The id of the first event given one (a dry run's have none). */
function firstPlannedId(events: Iterable<Planned<AuditEvent>>): number | null {
  for (const event of events) if (event.id !== null) return event.id;
  return null;
}

function trendPoint(run: RunRecord): TrendPoint[] {
  if (!run.summary) return [];
  const { totals } = run.summary;
  return [
    {
      runId: run.id,
      timestamp: run.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      totalKeys: totals.uniqueKeys,
      matchRate: totals.overallMatchRate,
      outOfAuthoritySightings: totals.outOfAuthoritySightings,
      propagationGaps: totals.propagationGaps,
    },
  ];
}
