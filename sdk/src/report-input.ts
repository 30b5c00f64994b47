/**
 * Gathers what the reports need once a run's results are known: the registry as it now
 * stands (or would stand, for a dry run), the audit events not yet in any report, and the
 * run history for the trend.
 */
import type { Discrepancies } from './core/compare.js';
import type { Proposal } from './core/provision.js';
import type { RunSummary } from './core/summary.js';
import type { RunMode } from './core/types.js';
import type { RegistryRow, ReportInput, TrendPoint } from './reports/report-rows.js';
import type { SourcesRead } from './sources/read-all.js';
import { lastAuditId, listAudit } from './store/audit-repo.js';
import type { MasterKeyRecord } from './store/registry-repo.js';
import { getRun, listRuns } from './store/runs-repo.js';
import type { Store } from './store/store.js';

interface RunRef {
  readonly id: string;
  readonly startedAt: string;
  readonly mode: RunMode;
}

interface RegistryEffects {
  readonly run: RunRef;
  readonly proposals: readonly Proposal[];
  readonly resolved: readonly string[];
  readonly autoApproved: readonly string[];
}

/** The registry a dry run would leave behind, without writing it. */
export function simulateRegistry(existing: readonly MasterKeyRecord[], effects: RegistryEffects): RegistryRow[] {
  const now = effects.run.startedAt;
  const resolved = new Set(effects.resolved);
  const approved = new Set(effects.autoApproved);
  const rows: RegistryRow[] = [
    ...existing,
    ...effects.proposals.map((proposal) => ({
      id: null,
      masterKey: proposal.masterKey,
      normalizedKey: proposal.normalizedKey,
      sourceSystem: proposal.sourceSystem,
      sourceKey: proposal.sourceKey,
      strategy: proposal.strategy,
      status: 'proposed' as const,
      createdAt: now,
      createdRunId: effects.run.id,
      activatedAt: null,
      statusChangedAt: now,
      statusChangedBy: 'keysync',
      statusReason: null,
    })),
  ];
  return rows.map((row) => {
    if (row.status !== 'proposed') return row;
    if (resolved.has(row.normalizedKey)) return { ...row, status: 'resolved', statusChangedAt: now };
    if (approved.has(row.normalizedKey)) return { ...row, status: 'active', activatedAt: now, statusChangedAt: now, statusChangedBy: 'auto-approve' };
    return row;
  });
}

export interface ReportInputRequest extends RegistryEffects {
  readonly summary: RunSummary;
  readonly discrepancies: Discrepancies;
  readonly sources: SourcesRead;
  readonly registry: readonly RegistryRow[];
  readonly dryRun: boolean;
}

export async function buildReportInput(store: Store, request: ReportInputRequest): Promise<{ input: ReportInput; auditToId: number }> {
  const { run } = request;
  return store.read(async (db) => {
    const completed = await listRuns(db, { status: 'completed' });
    const thisRun = request.dryRun ? undefined : await getRun(db, run.id);
    const auditFromId = thisRun?.auditFromId ?? (completed[0]?.auditToId ?? 0) + 1;
    const auditToId = await lastAuditId(db);
    const stored = await listAudit(db, { fromId: auditFromId, toId: auditToId });
    const input: ReportInput = {
      timestamp: run.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      summary: request.summary,
      discrepancies: request.discrepancies,
      registry: request.registry,
      audit: request.dryRun ? [...stored, ...simulatedEvents(request)] : stored,
      badRows: request.sources.badRows,
      skippedSources: request.sources.skipped,
      history: completed.reverse().flatMap(trendPoint),
    };
    return { input, auditToId };
  });
}

function trendPoint(run: { id: string; startedAt: string; summary: RunSummary | null }): TrendPoint[] {
  if (!run.summary) return [];
  const { totals } = run.summary;
  return [
    {
      runId: run.id,
      timestamp: run.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      totalKeys: totals.uniqueKeys,
      matchRate: totals.overallMatchRate,
      outOfAuthority: totals.outOfAuthority,
      propagationGaps: totals.propagationGaps,
    },
  ];
}

/** The audit events a dry run would have written, so its audit report shows them. */
function simulatedEvents(effects: RegistryEffects) {
  const timestamp = effects.run.startedAt.replace(/\.\d{3}Z$/, 'Z');
  const event = (eventType: string, key: string, system: string | null, action: string, result: string, details: string) => ({
    id: null, timestamp, runId: effects.run.id, eventType, details, system, key, action, result, actor: 'dry-run',
  });
  return [
    ...effects.proposals.map((p) => event('master_key_proposed', p.normalizedKey, p.sourceSystem, 'propose', 'proposed (dry run)', `${p.strategy} master key ${p.masterKey} would be proposed`)),
    ...effects.resolved.map((key) => event('master_key_resolved', key, null, 'resolve', 'resolved (dry run)', 'key appeared in the authority')),
    ...effects.autoApproved.map((key) => event('master_key_approved', key, null, 'approve', 'active (dry run)', 'would be auto-approved')),
  ];
}
