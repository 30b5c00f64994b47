/** The registry of master keys: one row per normalised key, moved through its lifecycle. */
import type { Selectable } from 'kysely';
import { nextStatus, TRANSITIONS, type MasterKeyAction } from '../core/lifecycle.js';
import type { Proposal, RegistryLookup } from '../core/provision.js';
import type { MasterKeyStatus, NormalizedKey, ProvisioningStrategy, SystemId } from '../core/types.js';
import { KeySyncError } from '../errors.js';
import { appendAudit, type NewAuditEvent } from './audit-repo.js';
import { chunked, insertInChunks } from './batch.js';
import type { Db, Tx } from './store.js';
import type { MasterKeysTable } from './tables.js';

export interface MasterKeyRecord {
  readonly id: number;
  readonly masterKey: string;
  readonly normalizedKey: NormalizedKey;
  readonly sourceSystem: SystemId;
  readonly sourceKey: string;
  readonly strategy: ProvisioningStrategy;
  readonly status: MasterKeyStatus;
  readonly createdAt: string;
  readonly createdRunId: string;
  readonly activatedAt: string | null;
  readonly statusChangedAt: string;
  readonly statusChangedBy: string;
  readonly statusReason: string | null;
}

export interface RegistryFilter {
  readonly status?: MasterKeyStatus | readonly MasterKeyStatus[];
  readonly normalizedKeys?: readonly NormalizedKey[];
  readonly limit?: number;
  readonly offset?: number;
}

export interface TransitionRequest {
  readonly action: MasterKeyAction;
  readonly actor: string;
  readonly reason?: string;
  readonly runId?: string | null;
  readonly now: string;
}

export async function listMasterKeys(db: Db | Tx, filter: RegistryFilter = {}): Promise<MasterKeyRecord[]> {
  const statuses = filter.status === undefined ? undefined : ([] as MasterKeyStatus[]).concat(filter.status);
  const query = () => {
    let q = db.selectFrom('master_keys').selectAll().orderBy('id');
    if (statuses) q = q.where('status', 'in', statuses);
    if (filter.limit !== undefined) q = q.limit(filter.limit).offset(filter.offset ?? 0);
    return q;
  };
  if (!filter.normalizedKeys) return (await query().execute()).map(toRecord);
  const found: MasterKeyRecord[] = [];
  for (const keys of chunked(filter.normalizedKeys)) {
    found.push(...(await query().where('normalized_key', 'in', keys).execute()).map(toRecord));
  }
  return found.sort((a, b) => a.id - b.id);
}

export async function countByStatus(db: Db | Tx): Promise<Record<MasterKeyStatus, number>> {
  const rows = await db
    .selectFrom('master_keys')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<MasterKeyStatus, number> = { proposed: 0, active: 0, rejected: 0, deprecated: 0, resolved: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** Every key and master key in the registry, as sets: provisioning's only view of it. */
export async function loadRegistryLookup(db: Db | Tx): Promise<RegistryLookup & { proposedKeys: NormalizedKey[] }> {
  const rows = await db.selectFrom('master_keys').select(['normalized_key', 'master_key', 'status']).execute();
  const keys = new Set<string>();
  const masterKeys = new Set<string>();
  const proposedKeys: NormalizedKey[] = [];
  for (const row of rows) {
    keys.add(row.normalized_key);
    masterKeys.add(row.master_key);
    if (row.status === 'proposed') proposedKeys.push(row.normalized_key);
  }
  return { hasKey: (key) => keys.has(key), hasMasterKey: (key) => masterKeys.has(key), proposedKeys };
}

export async function insertProposals(tx: Tx, proposals: readonly Proposal[], runId: string, now: string): Promise<void> {
  await insertInChunks(
    tx,
    'master_keys',
    proposals.map((proposal) => ({
      normalized_key: proposal.normalizedKey,
      master_key: proposal.masterKey,
      source_system: proposal.sourceSystem,
      source_key: proposal.sourceKey,
      strategy: proposal.strategy,
      status: 'proposed' as const,
      created_at: now,
      created_run_id: runId,
      activated_at: null,
      status_changed_at: now,
      status_changed_by: 'keysync',
      status_reason: null,
    })),
  );
  await appendAudit(
    tx,
    proposals.map((proposal) => ({
      timestamp: now,
      runId,
      eventType: 'master_key_proposed',
      details: `${proposal.strategy} master key ${proposal.masterKey} proposed for ${proposal.sourceSystem} key ${proposal.sourceKey}`,
      system: proposal.sourceSystem,
      key: proposal.normalizedKey,
      action: 'propose',
      result: 'proposed',
      actor: 'keysync',
    })),
  );
}

/** One user action on one master key (looked up by master key or normalised key). */
export async function transitionMasterKey(tx: Tx, keyOrMasterKey: string, request: TransitionRequest): Promise<MasterKeyRecord> {
  const row = await tx
    .selectFrom('master_keys')
    .selectAll()
    .where((eb) => eb.or([eb('master_key', '=', keyOrMasterKey), eb('normalized_key', '=', keyOrMasterKey)]))
    .orderBy((eb) => eb.case().when('master_key', '=', keyOrMasterKey).then(0).else(1).end())
    .executeTakeFirst();
  if (!row) {
    throw new KeySyncError('MASTER_KEY_NOT_FOUND', 'usage', `No master key or normalised key "${keyOrMasterKey}" in the registry.`, {
      remedy: 'list the registry with `keysync registry list` to find the key',
    });
  }
  if (request.action === 'reject' && !request.reason?.trim()) {
    throw new KeySyncError('REASON_REQUIRED', 'usage', `Rejecting ${row.master_key} needs a reason.`, {
      remedy: 'pass --reason "…" (the reason is kept in the audit log)',
    });
  }
  const status = nextStatus(row.master_key, row.status, request.action);
  await applyTransition(tx, [row], status, request);
  return toRecord({ ...row, ...statusUpdate(status, request) });
}

/** The same action on many keys at once (auto-approve, resolution); keys not in `from` are left alone. */
export async function transitionMany(tx: Tx, keys: readonly NormalizedKey[], request: TransitionRequest): Promise<number> {
  const { from, to } = TRANSITIONS[request.action];
  let changed = 0;
  for (const batch of chunked(keys)) {
    const rows = await tx
      .selectFrom('master_keys')
      .selectAll()
      .where('normalized_key', 'in', batch)
      .where('status', 'in', [...from])
      .execute();
    await applyTransition(tx, rows, to, request);
    changed += rows.length;
  }
  return changed;
}

async function applyTransition(
  tx: Tx,
  rows: readonly Selectable<MasterKeysTable>[],
  to: MasterKeyStatus,
  request: TransitionRequest,
): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((row) => row.id);
  for (const batch of chunked(ids)) {
    await tx
      .updateTable('master_keys')
      .set(statusUpdate(to, request))
      .where('id', 'in', batch)
      .execute();
  }
  const events: NewAuditEvent[] = rows.map((row) => ({
    timestamp: request.now,
    runId: request.runId ?? null,
    eventType: TRANSITIONS[request.action].event,
    details: `${row.master_key}: ${row.status} → ${to}${request.reason ? ` (${request.reason})` : ''}`,
    system: row.source_system,
    key: row.normalized_key,
    action: request.action,
    result: to,
    actor: request.actor,
  }));
  await appendAudit(tx, events);
}

function statusUpdate(status: MasterKeyStatus, request: TransitionRequest) {
  return {
    status,
    status_changed_at: request.now,
    status_changed_by: request.actor,
    status_reason: request.reason ?? null,
    ...(status === 'active' ? { activated_at: request.now } : {}),
  };
}

function toRecord(row: Selectable<MasterKeysTable>): MasterKeyRecord {
  return {
    id: Number(row.id),
    masterKey: row.master_key,
    normalizedKey: row.normalized_key,
    sourceSystem: row.source_system,
    sourceKey: row.source_key,
    strategy: row.strategy,
    status: row.status,
    createdAt: row.created_at,
    createdRunId: row.created_run_id,
    activatedAt: row.activated_at,
    statusChangedAt: row.status_changed_at,
    statusChangedBy: row.status_changed_by,
    statusReason: row.status_reason,
  };
}
