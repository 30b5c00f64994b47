/** The audit log: append-only; every registry change and run milestone lands here. */
import type { Selectable } from 'kysely';
import type { AuditEvent, NewAuditEvent, Planned } from '../core/records.js';
import { insertInChunks } from './batch.js';
import type { Db, Tx } from './backend.js';
import type { AuditLogTable } from './tables.js';

export type { AuditEvent, NewAuditEvent };

/** Which audit events `ws.audit.list()` returns; ids are inclusive bounds. */
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

/** Appends events; planned ids are kept (a run's reports already show them), others are assigned. */
export async function appendAudit(tx: Tx, events: Iterable<NewAuditEvent | Planned<AuditEvent>>): Promise<void> {
  // The database assigns an id only where none is given (an explicit null is refused by PostgreSQL).
  await insertInChunks(tx, 'audit_log', auditRows(events, 'planned'));
  await insertInChunks(tx, 'audit_log', auditRows(events, 'unplanned'));
}

/** The events with a planned id (with it) or without one, as rows made as the inserts take them (batch.ts). */
function* auditRows(events: Iterable<NewAuditEvent | Planned<AuditEvent>>, which: 'planned' | 'unplanned') {
  for (const event of events) {
    const id = 'id' in event ? event.id : null;
    if (which === 'planned' && id !== null) yield { id, ...auditRow(event) };
    else if (which === 'unplanned' && id === null) yield auditRow(event);
  }
}

function auditRow(event: NewAuditEvent) {
  return {
    timestamp: event.timestamp,
    run_id: event.runId,
    event_type: event.eventType,
    details: event.details,
    system: event.system,
    key: event.key,
    action: event.action,
    result: event.result,
    actor: event.actor,
  };
}

/**
 * Whether anyone decided anything (a status change, a link, "not a match", a re-keying, an
 * undo) from audit id `fromId` on: those are the events no run made (run_id null).
 */
export async function decidedSince(db: Db, fromId: number): Promise<boolean> {
  const row = await db.selectFrom('audit_log').select('id').where('id', '>=', fromId).where('run_id', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id');
  if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
  if (filter.key !== undefined) query = query.where('key', '=', filter.key);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (filter.fromId !== undefined) query = query.where('id', '>=', filter.fromId);
  if (filter.toId !== undefined) query = query.where('id', '<=', filter.toId);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return (await query.execute()).map(toAuditEvent);
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
