/** The audit log: append-only; every registry change and run milestone lands here. */
import type { Selectable } from 'kysely';
import { insertInChunks } from './batch.js';
import type { Db, Tx } from './store.js';
import type { AuditLogTable } from './tables.js';

export interface AuditEvent {
  readonly id: number;
  /** ISO 8601 UTC. */
  readonly timestamp: string;
  readonly runId: string | null;
  readonly eventType: string;
  readonly details: string;
  readonly system: string | null;
  readonly key: string | null;
  readonly action: string;
  readonly result: string;
  readonly actor: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

export interface AuditFilter {
  readonly runId?: string;
  readonly key?: string;
  readonly eventType?: string;
  /** Events with an id at or above this. */
  readonly fromId?: number;
  /** Events with an id at or below this. */
  readonly toId?: number;
  readonly limit?: number;
}

export async function appendAudit(tx: Tx, events: readonly NewAuditEvent[]): Promise<void> {
  await insertInChunks(
    tx,
    'audit_log',
    events.map((event) => ({
      timestamp: event.timestamp,
      run_id: event.runId,
      event_type: event.eventType,
      details: event.details,
      system: event.system,
      key: event.key,
      action: event.action,
      result: event.result,
      actor: event.actor,
    })),
  );
}

export async function listAudit(db: Db | Tx, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id');
  if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
  if (filter.key !== undefined) query = query.where('key', '=', filter.key);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (filter.fromId !== undefined) query = query.where('id', '>=', filter.fromId);
  if (filter.toId !== undefined) query = query.where('id', '<=', filter.toId);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return (await query.execute()).map(toAuditEvent);
}

export async function lastAuditId(db: Db | Tx): Promise<number> {
  const row = await db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

function toAuditEvent(row: Selectable<AuditLogTable>): AuditEvent {
  return {
    id: Number(row.id),
    timestamp: row.timestamp,
    runId: row.run_id,
    eventType: row.event_type,
    details: row.details,
    system: row.system,
    key: row.key,
    action: row.action,
    result: row.result,
    actor: row.actor,
  };
}
