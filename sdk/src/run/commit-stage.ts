/**
 * Provision, reports and persist: the run plans its registry changes against the registry as
 * it stands, writes every report from that plan, then commits the plan, the run's
 * discrepancies, snapshots and completion in one transaction. Until that commit nothing
 * persistent has changed, so a cancel, a crash or a kill leaves the previous state intact;
 * after it, reports and registry agree.
 *
 * On SQLite the database lock is held throughout, so nothing changes under the plan. On
 * PostgreSQL decisions go on meanwhile (docs/decisions.md §19): the plan's ids are reserved,
 * its status changes apply only to entries still at the version the plan read, and an entry
 * it adds must find its keys free. If someone decided one of those entries in between, or
 * gave one of those keys to another entry (a re-keying), the commit rolls back and the run
 * plans again from the registry as it now stands — so its provisioning never overwrites that.
 */
import { customAlphabet } from 'nanoid';
import type { Discrepancies } from '../core/compare.js';
import { sameDiscrepancyGroup, type RunInputs } from '../core/run-inputs.js';
import { formatPercent } from '../core/format.js';
import { concatenated } from '../core/iterables.js';
import { ruleChanges } from '../core/normalize.js';
import { proposeMasterKeys, registryLookup, type Proposal } from '../core/provision.js';
import { withAuditId, type AuditEvent, type NewAuditEvent, type Planned } from '../core/records.js';
import { planRegistryChanges, type RegistryPlan } from '../core/registry-plan.js';
import { summarizeRun, type RunSummary } from '../core/summary.js';
import type { ProbableMatch } from '../core/probable-match.js';
import type { ReportPaths } from '../core/types.js';
import { REPORT_NAMES } from '../reports/report-rows.js';
import { KeySyncError, throwIfAborted } from '../errors.js';
import { removeRunReports } from '../reports/report-stamp.js';
import { writeReports } from '../reports/write-reports.js';
import type { SourcesRead } from '../sources/read-all.js';
import { discrepancyGroups, saveDiscrepancies, type CarriedGroups } from '../store/discrepancies-repo.js';
import { applyRegistryPlan, EntryChangedSinceRead, readRegistryForPlan } from '../store/registry-repo.js';
import { finishRun, listRuns, previousRun, type PreviousRun } from '../store/runs-repo.js';
import { copyProbableMatches, saveProbableMatches } from '../store/probable-matches-repo.js';
import { saveSnapshotRefs } from '../store/snapshots.js';
import type { CommitSession, Store } from '../store/store.js';
import type { WorkspaceContext } from './workspace-context.js';
import { removeSnapshotFiles } from './read-stage.js';
import type { RunRead } from './run-read.js';
import { matchStage } from './match-stage.js';
import { collectGarbage } from './full-collection.js';
import { chooseEngine } from './choose-engine.js';
import { reportInputFor } from './report-input.js';
import type { RunIdentity } from './run-identity.js';
import { runEvent } from './run-records.js';

export interface CommitRequest {
  readonly run: RunIdentity;
  readonly dryRun: boolean;
  /** Said before the run's own warnings, in its summary and log (a dry run of a registry not created yet). */
  readonly notices?: readonly string[];
  readonly autoApprove: boolean;
  readonly read: RunRead;
  readonly discrepancies: Discrepancies;
  readonly signal?: AbortSignal;
  readonly progress: (stage: 'match' | 'provision' | 'reports' | 'persist', message: string, done?: number, total?: number) => void;
}

export interface CommitResult {
  readonly summary: RunSummary;
  readonly reports: ReportPaths;
  readonly proposals: readonly Proposal[];
  readonly probableMatches: readonly ProbableMatch[];
}

const newSurrogate = (() => {
  // No 0/O, 1/I/L: surrogate keys get read aloud and typed by people.
  const id = customAlphabet('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 10);
  return () => `MK-${id()}`;
})();

/**
 * The commit stage in a commit session of its own. The snapshot files the run wrote go if it
 * does not commit: no row refers to them.
 */
export async function commitRun(context: WorkspaceContext, store: Store, request: CommitRequest): Promise<CommitResult> {
  try {
    throwIfAborted(request.signal);
    return await store.commitSession(`run ${request.run.id}, committing its changes`, (session) => commitStage(context, session, request));
  } catch (error) {
    removeSnapshotFiles(context, request.read.snapshots);
    throw error;
  }
}

/**
 * Out-of-authority keys from which the match index (about 300 bytes each) is worth a full
 * collection before and after matching. Each costs about 0.1 s over a heap the size of a
 * 1M × 5 run's, where the index (111,111 keys, some 35 MB) returned early lowered nothing: the
 * two took 0.17 s of the match stage and the run peaked 5–10 MB higher with them. At 10M × 5
 * (1.1M keys, 348 MB of index) they keep the index from being held beside the reports.
 */
const FULL_COLLECTION_MIN_KEYS = 500_000;

/** How often a run plans again because entries it changes were decided meanwhile, before it gives up. */
export const MAX_PLAN_ATTEMPTS = 3;

async function commitStage(context: WorkspaceContext, session: CommitSession, request: CommitRequest): Promise<CommitResult> {
  for (let attempt = 1; ; attempt++) {
    const now = context.clock().toISOString();
    const planned = await planRun(context, session, request, now);
    throwIfAborted(request.signal);

    request.progress('reports', 'writing reports', 0, REPORT_NAMES.length);
    const reports = await writeRunReports(context, session, request, planned, attempt > 1);
    throwIfAborted(request.signal);

    request.progress('persist', request.dryRun ? 'dry run: nothing is saved' : 'saving registry and run results');
    try {
      if (!request.dryRun) await persistRun(context, session, request, planned, reports, now);
      return { summary: planned.summary, reports, proposals: planned.proposals, probableMatches: planned.probableMatches };
    } catch (error) {
      if (!(error instanceof EntryChangedSinceRead)) throw error;
      if (attempt >= MAX_PLAN_ATTEMPTS) {
        throw new KeySyncError('DATABASE_BUSY', 'database', `Entries this run changes or adds kept being decided or re-keyed while it ran (the last: ${error.change}); nothing of the run was committed.`, {
          remedy: 'run again (--resume continues this run) when fewer decisions are being made',
        });
      }
      context.logger.log('warn', `run ${request.run.id}: ${error.change} after the run read it; the run keeps that ${error.kept} and plans again`);
    }
  }
}

interface PlannedRun {
  readonly proposals: readonly Proposal[];
  readonly plan: RegistryPlan;
  /** The version of each entry as the plan read it: its changes apply only to those. */
  readonly versions: ReadonlyMap<number, number>;
  readonly summary: RunSummary;
  /** The plan's events, then the run's source events and its completion, with their ids. */
  readonly events: Iterable<Planned<AuditEvent>>;
  readonly lastAuditId: number;
  readonly probableMatches: readonly ProbableMatch[];
  /** What the run computed from (a node-engine run's), and the previous completed run it may carry results from. */
  readonly inputs?: RunInputs;
  readonly previous?: PreviousRun;
  /** The run the probable matches were taken from, when they were. */
  readonly matchesCarriedFrom?: string;
}

/** Proposals and every registry and audit change, against the registry as it stands. */
async function planRun(context: WorkspaceContext, session: CommitSession, request: CommitRequest, now: string): Promise<PlannedRun> {
  const { run, dryRun, discrepancies } = request;
  const { sources } = request.read;
  const { provisioning } = context.config.values;
  const { records: existing, versions } = await readRegistryForPlan(session.db);
  const linked = new Set(existing.filter((record) => record.status === 'linked').map((record) => record.normalizedKey));
  request.progress('match', 'finding probable matches');
  const indexWorthCollections = context.config.values.matching.enabled && discrepancies.outOfAuthority.length >= FULL_COLLECTION_MIN_KEYS;
  const previous = await previousRun(session.db);
  const inputs = request.read.comparedKeys && { ...request.read.comparedKeys, matching: context.config.values.matching };
  const matched = await matchStage(context, session.db, { read: request.read, discrepancies, linked, inputs, previous }, {
    // What comparing left behind (the node engine's sorts of its discrepancy lists) may still be in the heap:
    // returned before the match index's typed arrays are allocated beside it.
    beforeSearch: () => {
      if (indexWorthCollections) collectGarbage();
    },
    // Between a pushdown engine's passes (RunRead.matchPassKeys keys each) the last pass's index is garbage: returned before the next is built.
    betweenPasses: collectGarbage,
  });
  const probableMatches = matched.matches;
  if (matched.carriedFrom !== undefined) context.logger.log('debug', `probable matches taken from run ${matched.carriedFrom}: the same keys, settings and decisions`);
  // The match index is garbage now; at this size its typed arrays are worth returning before the plan and reports allocate.
  else if (indexWorthCollections) collectGarbage();
  throwIfAborted(request.signal);
  request.progress('provision', 'proposing master keys');
  const proposals = proposeMasterKeys(
    discrepancies.outOfAuthority,
    registryLookup(existing),
    { strategy: provisioning.strategy, namespacePrefix: provisioning.namespace_prefix },
    newSurrogate,
  );
  const pendingBefore = existing.filter((record) => record.status === 'proposed').map((record) => record.normalizedKey);
  const resolvedKeys = await request.read.authorityHolds(pendingBefore);
  const autoApproveKeys = request.autoApprove ? discrepancies.outOfAuthority.map(({ key }) => key) : [];
  // Enough ids for every event the plan can make, and the run's own (some may go unused).
  const ids = dryRun ? null : await session.reserveIds({ masterKeys: proposals.length, audit: proposals.length + resolvedKeys.length + autoApproveKeys.length + sources.outcomes.length + 1 });
  const plan = planRegistryChanges({
    runId: run.id,
    now,
    existing,
    proposals,
    resolvedKeys,
    autoApproveKeys,
    nextMasterKeyId: ids?.masterKey ?? null,
    nextAuditId: ids?.audit ?? null,
  });
  const warnings = [...(request.notices ?? []), ...(await normalizationWarnings(context, session))];
  for (const warning of warnings) context.logger.log('warn', warning);
  const summary = summarizeRun({
    warnings,
    runId: run.id,
    mode: run.mode,
    ...chooseEngine(context, run.mode),
    dryRun,
    startedAt: run.startedAt,
    sources: sources.outcomes,
    discrepancies,
    fromSnapshot: request.read.fromSnapshot,
    linked,
    keysWithProbableMatch: probableMatches.length,
    registry: {
      proposed: proposals.length,
      autoApproved: plan.autoApproved,
      resolved: plan.resolved,
      pending: plan.after.filter((record) => record.status === 'proposed').length,
    },
  });
  let nextAudit = plan.nextAuditId;
  const withId = (event: NewAuditEvent): Planned<AuditEvent> => withAuditId(event, nextAudit === null ? null : nextAudit++);
  const events = concatenated(plan.events, [
    ...sourceEvents(sources, run.id, now).map(withId),
    withId(runEvent(run.id, now, 'run_completed', describeTotals(summary), 'completed')),
  ]);
  return { proposals, plan, versions, summary, events, lastAuditId: (nextAudit ?? 1) - 1, probableMatches, inputs, previous, matchesCarriedFrom: matched.carriedFrom };
}

async function writeRunReports(context: WorkspaceContext, session: CommitSession, request: CommitRequest, planned: PlannedRun, replanned: boolean): Promise<ReportPaths> {
  const { run, dryRun, discrepancies } = request;
  const { output } = context.config.values;
  const input = await reportInputFor(session.db, { run, dryRun, discrepancies, sources: request.read.sources, ...planned });
  // A resumed run's earlier attempt, or this run's previous plan, may have left reports: they were never committed.
  if (run.resumed || replanned) removeRunReports(run.outputDir, run.stamp, dryRun, run.id, { releaseClaim: false });
  return writeReports(input, {
    directory: run.outputDir,
    stamp: run.stamp,
    dryRun,
    injectionGuard: output.csv_injection_guard,
    includeTrend: output.generate_trend_analysis,
    signal: request.signal,
    onReport: (name, index, total) => request.progress('reports', `writing ${name}`, index, total),
  });
}

/** The one transaction that makes the run real: plan, discrepancies, snapshots, completion. */
async function persistRun(
  context: WorkspaceContext,
  session: CommitSession,
  request: CommitRequest,
  planned: PlannedRun,
  reports: ReportPaths,
  now: string,
): Promise<void> {
  const { run, discrepancies } = request;
  throwIfAborted(request.signal);
  await session.transaction(async (tx) => {
    await applyRegistryPlan(tx, { ...planned.plan, events: planned.events }, planned.versions);
    request.progress('persist', 'saving the run’s discrepancies', 1, 2);
    const carried = carriedGroups(planned);
    const copied = await saveDiscrepancies(tx, run.id, discrepancyGroups(discrepancies, request.read.sources.badRows), carried);
    if (copied > 0) context.logger.log('debug', `${copied} discrepancy groups carried forward from run ${carried!.fromRunId}: their systems' keys are unchanged`);
    const { matchesCarriedFrom } = planned;
    if (matchesCarriedFrom === undefined || !(await copyProbableMatches(tx, matchesCarriedFrom, run.id))) await saveProbableMatches(tx, run.id, planned.probableMatches);
    await saveSnapshotRefs(tx, [...request.read.snapshots, ...request.read.repointedSnapshots]);
    await finishRun(tx, run.id, {
      status: 'completed',
      finishedAt: now,
      summary: planned.summary,
      reports,
      auditToId: planned.lastAuditId,
      normalizeRules: context.config.values.normalize,
      inputs: planned.inputs,
    });
  });
}

/**
 * The previous completed run's groups this run may copy (docs/decisions.md §22): those whose
 * systems it compared from the same snapshot content. None when either run cannot name its keys.
 */
function carriedGroups({ inputs, previous }: Pick<PlannedRun, 'inputs' | 'previous'>): CarriedGroups | undefined {
  if (!inputs || !previous) return undefined;
  return { fromRunId: previous.runId, carries: ({ kind, system }) => sameDiscrepancyGroup(previous.inputs, inputs, kind, system) };
}

/**
 * The registry is keyed by normalised key: when the rules change, keys it holds under the
 * old rules no longer match (an approved `X-7` is proposed again as `X-000007`). Say so.
 */
async function normalizationWarnings(context: WorkspaceContext, session: CommitSession): Promise<string[]> {
  const [previous] = await listRuns(session.db, { status: 'completed', limit: 1 });
  if (!previous?.normalizeRules) return [];
  const changes = ruleChanges(previous.normalizeRules, context.config.values.normalize);
  if (changes.length === 0) return [];
  return [
    `The normalisation rules changed since run ${previous.id} (${changes.join(', ')}): registry entries keyed under the old rules ` +
      'no longer match their keys, which may be proposed again as new keys. `keysync registry renormalize` re-keys the registry under the current rules.',
  ];
}

function sourceEvents(sources: Pick<SourcesRead, 'outcomes'>, runId: string, now: string): NewAuditEvent[] {
  return sources.outcomes.map((outcome) =>
    outcome.status === 'read'
      ? {
          timestamp: now, runId, eventType: 'source_read', system: outcome.system, key: null, action: 'read', result: 'ok',
          details: `${outcome.file}: ${outcome.rows} rows, ${outcome.badRows} bad rows, ${outcome.repeatedRows} repeated rows`, actor: 'keysync',
        }
      : {
          timestamp: now, runId, eventType: 'source_skipped', system: outcome.system, key: null, action: 'skip', result: 'left out of the run',
          details: `${outcome.file}: ${outcome.reason}`, actor: 'keysync',
        },
  );
}

export function describeTotals(summary: RunSummary): string {
  const { totals, registry } = summary;
  return (
    `${totals.uniqueKeys} unique keys, ` +
    (totals.overallMatchRate === null ? 'nothing compared, ' : `overall match ${formatPercent(totals.overallMatchRate)}, `) +
    `${totals.propagationGaps} gaps, ${totals.outOfAuthoritySightings} out of authority, ${totals.duplicateGroups} duplicate groups, ` +
    `${registry.proposed} proposed, ${registry.pending} pending`
  );
}
