/** The registry of master keys: one row per normalised key, moved through its lifecycle. */
import { sql, type Selectable, type Updateable } from 'kysely';
import { decisionConflictError } from '../core/decision-conflict.js';
import { NOT_A_MATCH_EVENT, nextStatus, statusBeforeDecision, TRANSITIONS, transitionEvent, UNDO_EVENT, type MasterKeyAction } from '../core/lifecycle.js';
import type { MasterKeyRecord } from '../core/records.js';
import type { RegistryPlan } from '../core/registry-plan.js';
import type { KeyPair, PairMove, RenormalizePlan } from '../core/renormalize.js';
import { MASTER_KEY_STATUSES, type MasterKeyStatus, type NormalizedKey } from '../core/types.js';
import { KeySyncError } from '../errors.js';
import { appendAudit } from './audit-repo.js';
import { chunked, insertInChunks } from './batch.js';
import type { Db, Tx } from './backend.js';
import type { MasterKeysTable } from './tables.js';

export type { MasterKeyRecord };

/** Which registry entries `ws.registry.list()` returns. */
export interface RegistryFilter {
  readonly status?: MasterKeyStatus | readonly MasterKeyStatus[];
  readonly normalizedKeys?: readonly NormalizedKey[];
  readonly limit?: number;
  readonly offset?: number;
}

/** A key as the user gave it, and under the workspace's normalisation rules ('' if nothing is left). */
export interface KeyLookup {
  readonly given: string;
  readonly normalized: string;
}

export interface TransitionRequest {
  readonly action: MasterKeyAction;
  readonly actor: string;
  readonly reason?: string;
  readonly now: string;
  /** For `link`: the authority key (normalised) the entry's key should be. */
  readonly linkedTo?: NormalizedKey;
}

/** A (key, authority key) pair a person said is no match. */
export interface RejectedMatch {
  readonly normalizedKey: NormalizedKey;
  readonly authorityKey: NormalizedKey;
  readonly rejectedAt: string;
  readonly rejectedBy: string;
  readonly reason: string | null;
}

export async function listMasterKeys(db: Db, filter: RegistryFilter = {}): Promise<MasterKeyRecord[]> {
  const statuses = filter.status === undefined ? undefined : ([] as MasterKeyStatus[]).concat(filter.status);
  const query = () => {
    let q = db.selectFrom('master_keys').selectAll().orderBy('id');
    if (statuses) q = q.where('status', 'in', statuses);
    // SQLite takes an offset only after a limit, and PostgreSQL refuses SQLite's -1 for "none".
    if (filter.limit !== undefined || filter.offset !== undefined) q = q.limit(filter.limit ?? Number.MAX_SAFE_INTEGER).offset(filter.offset ?? 0);
    return q;
  };
  if (!filter.normalizedKeys) return (await query().execute()).map(toRecord);
  const found: MasterKeyRecord[] = [];
  for (const keys of chunked(filter.normalizedKeys)) {
    for (const row of await query().where('normalized_key', 'in', keys).execute()) found.push(toRecord(row));
  }
  return found.sort((a, b) => a.id - b.id);
}

/** The registry as a run plans against it: every entry, and the version each was read at (one statement, one view). */
export interface RegistryAsRead {
  readonly records: MasterKeyRecord[];
  readonly versions: ReadonlyMap<number, number>;
}

export async function readRegistryForPlan(db: Db): Promise<RegistryAsRead> {
  const rows = await db.selectFrom('master_keys').selectAll().orderBy('id').execute();
  return { records: rows.map(toRecord), versions: new Map(rows.map((row) => [Number(row.id), Number(row.version)])) };
}

/**
 * A run's planned change met the registry changed after the run read it: an entry it changes
 * was decided or removed, or a key it adds was given to another entry (a re-keying, docs/decisions.md §19).
 * The run's commit is rolled back and the run plans again (run/commit-stage.ts), so it never
 * overwrites that change.
 */
export class EntryChangedSinceRead extends Error {
  constructor(
    /** What changed, as a clause: `CUST-1 was set rejected by bob at …`. */
    readonly change: string,
    /** What the run keeps when it plans again. */
    readonly kept: 'decision' | 'entry',
  ) {
    super(`${change} after it was read`);
  }
}

export async function countByStatus(db: Db): Promise<Record<MasterKeyStatus, number>> {
  const rows = await db
    .selectFrom('master_keys')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(MASTER_KEY_STATUSES.map((status) => [status, 0])) as Record<MasterKeyStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/**
 * Writes a run's planned registry changes and audit events, with the ids the plan gave them.
 * With `versions` (as read for the plan), a change applies only to an entry still at that
 * version; otherwise EntryChangedSinceRead is thrown and the caller's transaction rolls back.
 */
export async function applyRegistryPlan(tx: Tx, plan: RegistryPlan, versions?: ReadonlyMap<number, number>): Promise<void> {
  await insertInChunks(tx, 'master_keys', masterKeyRows(plan.inserted), { skipConflicts: versions !== undefined });
  if (versions) await requireInserted(tx, plan.inserted);
  for (const change of plan.changed) {
    let update = tx
      .updateTable('master_keys')
      .set((eb) => ({ ...statusUpdate(change.status, { now: change.at, actor: change.actor, reason: change.reason ?? undefined }), version: eb('version', '+', 1) }))
      .where('id', '=', change.id);
    const version = versions?.get(change.id);
    if (version !== undefined) update = update.where('version', '=', version);
    const applied = await update.executeTakeFirst();
    if (versions && Number(applied.numUpdatedRows) !== 1) {
      const row = await tx.selectFrom('master_keys').selectAll().where('id', '=', change.id).executeTakeFirst();
      if (!row) throw new EntryChangedSinceRead(`entry #${change.id} was removed (a re-keying superseded it)`, 'entry');
      const entry = toRecord(row);
      throw new EntryChangedSinceRead(`${entry.masterKey} was set ${entry.status} by ${entry.statusChangedBy} at ${entry.statusChangedAt}`, 'decision');
    }
  }
  await appendAudit(tx, plan.events);
}

/** The plan's new entries as rows, made as the inserts take them (batch.ts). */
function* masterKeyRows(records: RegistryPlan['inserted']) {
  for (const record of records) {
    yield {
      id: record.id,
      normalized_key: record.normalizedKey,
      master_key: record.masterKey,
      source_system: record.sourceSystem,
      source_key: record.sourceKey,
      strategy: record.strategy,
      status: record.status,
      created_at: record.createdAt,
      created_run_id: record.createdRunId,
      activated_at: record.activatedAt,
      status_changed_at: record.statusChangedAt,
      status_changed_by: record.statusChangedBy,
      status_reason: record.statusReason,
      linked_to: record.linkedTo,
    };
  }
}

/**
 * Every entry a run inserted (with skipConflicts) is there; otherwise another writer gave one
 * of its keys to another entry after the run read the registry — a re-keying, or anything
 * else adding a master key — and the run must plan again from the registry as it now stands.
 */
async function requireInserted(tx: Tx, inserted: RegistryPlan['inserted']): Promise<void> {
  for (const batch of chunked(inserted)) {
    const ids = batch.map((record) => record.id!);
    const present = new Set((await tx.selectFrom('master_keys').select('id').where('id', 'in', ids).execute()).map((row) => Number(row.id)));
    const missing = batch.find((record) => !present.has(record.id!));
    if (!missing) continue;
    const holder = await tx
      .selectFrom('master_keys')
      .selectAll()
      .where((eb) => eb.or([eb('normalized_key', '=', missing.normalizedKey), eb('master_key', '=', missing.masterKey)]))
      .executeTakeFirstOrThrow();
    const entry = toRecord(holder);
    throw new EntryChangedSinceRead(
      entry.normalizedKey === missing.normalizedKey
        ? `${entry.masterKey} (${entry.status}) took the key ${missing.normalizedKey}, which the run was adding`
        : `the master key ${missing.masterKey}, which the run was adding, was given to ${entry.normalizedKey}`,
      'entry',
    );
  }
}

/** The next free id of a table (ids a run plans before writing). */
export async function nextIds(db: Db): Promise<{ masterKey: number; audit: number }> {
  const [masterKey, audit] = await Promise.all([
    db.selectFrom('master_keys').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst(),
    db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst(),
  ]);
  return { masterKey: Number(masterKey?.id ?? 0) + 1, audit: Number(audit?.id ?? 0) + 1 };
}

/**
 * One user action on one master key, looked up by master key or normalised key: as given
 * first, then normalised (`cust-123` finds `CUST-123`), as people type raw keys from a source.
 */
export async function transitionMasterKey(tx: Tx, key: KeyLookup, request: TransitionRequest): Promise<MasterKeyRecord> {
  const row = await requireEntry(tx, key);
  if (request.action === 'reject' && !request.reason?.trim()) {
    throw new KeySyncError('REASON_REQUIRED', 'usage', `Rejecting ${row.master_key} needs a reason.`, {
      remedy: 'pass --reason "…" (the reason is kept in the audit log)',
    });
  }
  if (request.action === 'link') await checkLink(tx, row, request.linkedTo ?? '');
  const status = nextStatus({ masterKey: row.master_key, normalizedKey: row.normalized_key }, row.status, request.action);
  await decideIfUnchanged(tx, row, statusUpdate(status, request), request.action);
  await appendAudit(tx, [transitionEvent(toRecord(row), request.action, { actor: request.actor, reason: request.reason ?? null, now: request.now, runId: null, linkedTo: request.linkedTo })]);
  return toRecord({ ...row, ...statusUpdate(status, request) });
}

/**
 * Takes back the last decision on a key — for the person who made it, and only while it is
 * still the last thing that happened to the key (no other decision, resolution or undo since).
 * The entry returns to the status the decision left, with an audit event saying so.
 */
export async function undoDecision(tx: Tx, key: KeyLookup, by: { readonly actor: string; readonly now: string }): Promise<MasterKeyRecord> {
  const row = await requireEntry(tx, key);
  const last = await tx.selectFrom('audit_log').selectAll().where('key', '=', row.normalized_key).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const before = last && statusBeforeDecision(last.event_type);
  const refuse = (why: string) =>
    new KeySyncError('UNDO_NOT_ALLOWED', 'state', `Cannot undo the last decision on ${row.master_key}: ${why}.`, {
      remedy: `\`keysync audit --key ${row.normalized_key}\` shows its history; decide again instead`,
    });
  if (!last || before === undefined || last.result !== row.status) throw refuse('the last thing that happened to it was not a person’s decision');
  if (last.actor !== by.actor) throw refuse(`that decision was ${last.actor}’s, not ${by.actor}’s`);
  await decideIfUnchanged(
    tx,
    row,
    { status: before, status_changed_at: by.now, status_changed_by: by.actor, status_reason: 'undo', ...(row.status === 'active' && before !== 'active' ? { activated_at: null } : {}) },
    'undo',
  );
  await appendAudit(tx, [
    {
      timestamp: by.now, runId: null, eventType: UNDO_EVENT, details: `${row.master_key}: ${row.status} → ${before} (undoes ${last.event_type} #${last.id})`,
      system: row.source_system, key: row.normalized_key, action: 'undo', result: before, actor: by.actor,
    },
  ]);
  return toRecord({ ...row, status: before, status_changed_at: by.now, status_changed_by: by.actor, status_reason: 'undo' });
}

/** A link names an authority key other than the entry's own, and one a person did not already call no match. */
async function checkLink(tx: Tx, row: Selectable<MasterKeysTable>, authorityKey: NormalizedKey): Promise<void> {
  if (!authorityKey || authorityKey === row.normalized_key) {
    throw new KeySyncError('LINK_TARGET_INVALID', 'usage', `Linking ${row.master_key} needs the authority key it should be${authorityKey ? `, not its own key ${authorityKey}` : ''}.`, {
      remedy: 'pass --to <authority key> (probable_matches_<stamp>.csv lists candidates)',
    });
  }
  const rejected = await tx.selectFrom('rejected_matches').select('rejected_by').where('normalized_key', '=', row.normalized_key).where('authority_key', '=', authorityKey).executeTakeFirst();
  if (rejected) {
    throw new KeySyncError('LINK_TARGET_INVALID', 'state', `${rejected.rejected_by} recorded that ${row.normalized_key} is not ${authorityKey}.`, {
      remedy: `\`keysync audit --key ${row.normalized_key}\` shows that decision`,
    });
  }
}

/**
 * Records that an entry's key is not the authority key it was suggested to be, so the pair is
 * never suggested again; one audit event. Recording it twice changes nothing.
 */
export async function rejectMatch(tx: Tx, key: KeyLookup, authorityKey: NormalizedKey, by: { readonly actor: string; readonly reason?: string; readonly now: string }): Promise<RejectedMatch> {
  const row = await requireEntry(tx, key);
  if (!authorityKey || authorityKey === row.normalized_key) {
    throw new KeySyncError('LINK_TARGET_INVALID', 'usage', `"Not a match" needs the authority key that was suggested for ${row.master_key}.`, {
      remedy: 'pass --to <authority key> (probable_matches_<stamp>.csv lists candidates)',
    });
  }
  if (row.status === 'linked' && row.linked_to === authorityKey) {
    throw new KeySyncError('ILLEGAL_TRANSITION', 'state', `${row.master_key} is linked to ${authorityKey}: it cannot also be no match for it.`, {
      remedy: `unlink it first: \`keysync unlink ${row.normalized_key}\``,
    });
  }
  const existing = await tx.selectFrom('rejected_matches').selectAll().where('normalized_key', '=', row.normalized_key).where('authority_key', '=', authorityKey).executeTakeFirst();
  if (existing) return toRejectedMatch(existing);
  const rejected = { normalized_key: row.normalized_key, authority_key: authorityKey, rejected_at: by.now, rejected_by: by.actor, reason: by.reason?.trim() || null };
  await tx.insertInto('rejected_matches').values(rejected).execute();
  await appendAudit(tx, [
    {
      timestamp: by.now, runId: null, eventType: NOT_A_MATCH_EVENT, details: `${row.normalized_key} is not ${authorityKey}${rejected.reason ? ` (${rejected.reason})` : ''}`,
      system: row.source_system, key: row.normalized_key, action: 'not a match', result: authorityKey, actor: by.actor,
    },
  ]);
  return toRejectedMatch(rejected);
}

export async function listRejectedMatches(db: Db): Promise<RejectedMatch[]> {
  return (await db.selectFrom('rejected_matches').selectAll().orderBy('normalized_key').orderBy('authority_key').execute()).map(toRejectedMatch);
}

function toRejectedMatch(row: { normalized_key: string; authority_key: string; rejected_at: string; rejected_by: string; reason: string | null }): RejectedMatch {
  return { normalizedKey: row.normalized_key, authorityKey: row.authority_key, rejectedAt: row.rejected_at, rejectedBy: row.rejected_by, reason: row.reason };
}

/**
 * Applies a person's decision only if the entry is still as they read it — same status, same
 * version — and raises the version. Of two people deciding one key at once exactly one gets
 * here first; the other is told who decided what and when (docs/behaviour.md §5). SQLite's
 * lock makes a miss rare, PostgreSQL's row locks make it the loser's normal path.
 */
async function decideIfUnchanged(tx: Tx, row: Selectable<MasterKeysTable>, change: Updateable<MasterKeysTable>, attempted: string): Promise<void> {
  const applied = await tx
    .updateTable('master_keys')
    .set((eb) => ({ ...change, version: eb('version', '+', 1) }))
    .where('id', '=', row.id)
    .where('status', '=', row.status)
    .where('version', '=', row.version)
    .executeTakeFirst();
  if (Number(applied.numUpdatedRows) === 1) return;
  const now = await tx.selectFrom('master_keys').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  throw decisionConflictError(toRecord(now), attempted);
}

async function requireEntry(tx: Tx, key: KeyLookup): Promise<Selectable<MasterKeysTable>> {
  const row = (await findEntry(tx, key.given)) ?? (key.normalized && key.normalized !== key.given ? await findEntry(tx, key.normalized) : undefined);
  if (row) return row;
  const tried = key.normalized && key.normalized !== key.given ? ` (normalised: "${key.normalized}")` : '';
  throw new KeySyncError('MASTER_KEY_NOT_FOUND', 'usage', `No master key or normalised key "${key.given}"${tried} in the registry.`, {
    remedy: 'list the registry with `keysync registry list` to find the key',
  });
}

async function findEntry(tx: Tx, keyOrMasterKey: string): Promise<Selectable<MasterKeysTable> | undefined> {
  return tx
    .selectFrom('master_keys')
    .selectAll()
    .where((eb) => eb.or([eb('master_key', '=', keyOrMasterKey), eb('normalized_key', '=', keyOrMasterKey)]))
    .orderBy((eb) => eb.case().when('master_key', '=', keyOrMasterKey).then(0).else(1).end())
    .executeTakeFirst();
}

/** The same action on many keys at once (auto-approve, resolution); keys not in `from` are left alone. */
export async function transitionMany(tx: Tx, keys: readonly NormalizedKey[], request: TransitionRequest): Promise<number> {
  const { from } = TRANSITIONS[request.action];
  let changed = 0;
  for (const batch of chunked(keys)) {
    const rows = await tx
      .selectFrom('master_keys')
      .selectAll()
      .where('normalized_key', 'in', batch)
      .where('status', 'in', [...from])
      .execute();
    changed += await applyTransition(tx, rows, request);
  }
  return changed;
}

/**
 * A user's action on rows read in a status it applies to. Only rows still in that status are
 * changed (another process may have decided some meanwhile), and only those get an audit event.
 */
async function applyTransition(tx: Tx, rows: readonly Selectable<MasterKeysTable>[], request: TransitionRequest): Promise<number> {
  const { from, to } = TRANSITIONS[request.action];
  const changed = new Set<number>();
  for (const batch of chunked(rows.map((row) => row.id))) {
    const updated = await tx
      .updateTable('master_keys')
      .set((eb) => ({ ...statusUpdate(to, request), version: eb('version', '+', 1) }))
      .where('id', 'in', batch)
      .where('status', 'in', [...from])
      .returning('id')
      .execute();
    for (const { id } of updated) changed.add(Number(id));
  }
  const by = { actor: request.actor, reason: request.reason ?? null, now: request.now, runId: null, linkedTo: request.linkedTo };
  await appendAudit(tx, rows.filter((row) => changed.has(Number(row.id))).map((row) => transitionEvent(toRecord(row), request.action, by)));
  return changed.size;
}

/**
 * Applies a collision-free re-keying: superseded proposals go, then every moved entry takes
 * its new key (through a temporary one, so entries swapping keys never meet the unique index).
 * One audit event per entry. On PostgreSQL a run may commit meanwhile (docs/decisions.md §19):
 * a proposal it decided is not removed, and a key it added is not taken — either throws
 * EntryChangedSinceRead, and the caller's transaction rolls back and plans again. Moves bump
 * the entry's version, so a run that read the entry under its old key plans again too.
 */
export async function applyRenormalize(tx: Tx, plan: RenormalizePlan, by: { actor: string; now: string }): Promise<void> {
  for (const batch of chunked(plan.superseded)) {
    const removed = await tx.deleteFrom('master_keys').where('id', 'in', batch.map((entry) => entry.id)).where('status', '=', 'proposed').executeTakeFirst();
    if (Number(removed.numDeletedRows) !== batch.length) throw new EntryChangedSinceRead('a proposal the re-keying supersedes was decided', 'decision');
  }
  for (const move of plan.moves) {
    // U+0001, not NUL: PostgreSQL's text refuses NUL and the wasm driver ends text at one (every
    // temporary key became the same empty text, and re-keying two entries broke the unique index).
    await tx.updateTable('master_keys').set({ normalized_key: `\u0001renormalize-${move.id}` }).where('id', '=', move.id).execute();
  }
  await moveToNewKeys(tx, plan.moves);
  await appendAudit(tx, [
    ...plan.superseded.map((entry) =>
      reKeyingEvent(by, entry.key, 'proposal_superseded', `proposal ${entry.masterKey} removed: entry #${entry.byId} takes its key ${entry.key} under the current normalisation rules`, 'supersede'),
    ),
    ...plan.moves.map((move) => reKeyingEvent(by, move.to, 'key_renormalized', `master key ${move.masterKey}: normalised key ${move.from} → ${move.to} (normalisation rules changed)`, 'renormalize')),
  ]);
}

/** An audit event of a re-keying: a person's act (no run id), so later runs see that something was decided (docs/decisions.md §22). */
function reKeyingEvent(by: { actor: string; now: string }, key: string, eventType: string, details: string, action: string) {
  return { timestamp: by.now, runId: null, eventType, details, system: null, key, action, result: 'ok', actor: by.actor };
}

/**
 * The moves' last step. A key another writer added since the plan read the registry fails
 * the unique index (on PostgreSQL after waiting for that writer's commit, at most the busy
 * timeout): back to the savepoint, the key's holder is looked up and named.
 */
async function moveToNewKeys(tx: Tx, moves: RenormalizePlan['moves']): Promise<void> {
  await sql`savepoint renormalize_moves`.execute(tx);
  try {
    for (const move of moves) {
      await tx.updateTable('master_keys').set((eb) => ({ normalized_key: move.to, version: eb('version', '+', 1) })).where('id', '=', move.id).execute();
    }
  } catch (error) {
    await sql`rollback to savepoint renormalize_moves`.execute(tx);
    const moved = new Set(moves.map((move) => move.id));
    for (const batch of chunked(moves)) {
      const holders = await tx.selectFrom('master_keys').selectAll().where('normalized_key', 'in', batch.map((move) => move.to)).execute();
      const holder = holders.find((row) => !moved.has(Number(row.id)));
      if (holder) throw new EntryChangedSinceRead(`${holder.master_key} (${holder.status}) was added under the key ${holder.normalized_key}`, 'entry');
    }
    throw error;
  }
  await sql`release savepoint renormalize_moves`.execute(tx);
}

/** Every link, as a pair: the linked entry's key and the authority key it is linked to. */
export async function listLinks(db: Db): Promise<KeyPair[]> {
  const rows = await db.selectFrom('master_keys').select(['normalized_key', 'linked_to']).where('linked_to', 'is not', null).execute();
  return rows.map((row) => ({ normalizedKey: row.normalized_key, authorityKey: row.linked_to! }));
}

/**
 * Re-keys links and rejected pairs (core/renormalize.ts, planPairMoves). A link's entry has
 * already taken its new key, so only `linked_to` changes. A rejected pair is deleted and
 * recorded again under its new keys, unless that pair is already recorded (the older
 * decision stands): all are deleted first, so pairs swapping keys never meet the primary key.
 * One audit event per pair moved (`link_renormalized`, `rejection_renormalized`).
 */
export async function applyPairMoves(tx: Tx, links: readonly PairMove[], rejected: readonly PairMove[], by: { actor: string; now: string }): Promise<void> {
  for (const { from, to } of links) {
    await tx.updateTable('master_keys').set({ linked_to: to.authorityKey }).where('normalized_key', '=', from.normalizedKey).where('linked_to', '=', from.authorityKey).execute();
  }
  const rows = [];
  for (const { from, to } of rejected) {
    const row = await tx.selectFrom('rejected_matches').selectAll().where('normalized_key', '=', from.normalizedKey).where('authority_key', '=', from.authorityKey).executeTakeFirst();
    await tx.deleteFrom('rejected_matches').where('normalized_key', '=', from.normalizedKey).where('authority_key', '=', from.authorityKey).execute();
    if (row) rows.push({ ...row, normalized_key: to.normalizedKey, authority_key: to.authorityKey });
  }
  for (const row of rows) await tx.insertInto('rejected_matches').values(row).onConflict((conflict) => conflict.doNothing()).execute();
  // Each move is audited like the entries' own: a moved pair changes what probable matching suggests.
  const moved = (eventType: string, what: string) => ({ from, to }: PairMove) =>
    reKeyingEvent(by, to.normalizedKey, eventType, `${what} ${from.normalizedKey} → ${from.authorityKey} is now ${to.normalizedKey} → ${to.authorityKey} (normalisation rules changed)`, 'renormalize');
  await appendAudit(tx, [...links.map(moved('link_renormalized', 'link')), ...rejected.map(moved('rejection_renormalized', '"not a match"'))]);
}

function statusUpdate(status: MasterKeyStatus, request: Pick<TransitionRequest, 'now' | 'actor' | 'reason' | 'linkedTo'>) {
  return {
    status,
    status_changed_at: request.now,
    status_changed_by: request.actor,
    status_reason: request.reason ?? null,
    linked_to: status === 'linked' ? (request.linkedTo ?? null) : null,
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
    linkedTo: row.linked_to,
  };
}
