/**
 * KeySync's PostgreSQL advisory locks, per registry schema (docs/decisions.md §19). Two
 * classes, so a run and the registry are locked apart:
 * - RUN: held by a reconciliation for its whole length (one run at a time per registry);
 * - REGISTRY: taken shared by every write transaction and exclusively by a run from planning
 *   to commit, so no decision lands between what a run plans and what it commits.
 * A key is (class, hashtext(schema)); advisory locks vanish with their session, so a killed
 * process never leaves one behind.
 */
import { sql, type Kysely } from 'kysely';
import { KeySyncError, throwIfAborted } from '../../errors.js';
import { waitedRemedy, type AcquireOptions } from '../process-lock.js';

export const LOCK_CLASS = { run: 0x4b5301, registry: 0x4b5302 } as const;

const POLL_MS = 50;

export interface TryLockOptions extends AcquireOptions {
  /** The registry, for messages. */
  readonly location: string;
}

/**
 * Takes the session-level lock on `db`'s connection, polling a try-lock until the timeout, so
 * a wait is bounded and the message can say who holds it.
 */
export async function acquireSessionLock<DB>(db: Kysely<DB>, lockClass: number, schema: string, options: TryLockOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (let tries = 0; ; tries++) {
    throwIfAborted(options.signal);
    const { rows } = await sql<{ taken: boolean }>`select pg_try_advisory_lock(${lockClass}, hashtext(${schema})) as taken`.execute(db);
    if (rows[0]?.taken) {
      // Whoever waits for this lock sees what holds it (holderOf below).
      await sql`select set_config('application_name', ${`keysync: ${options.purpose}`.slice(0, 63)}, false)`.execute(db);
      return;
    }
    const holder = () => holderOf(db, lockClass, schema).then((found) => found ?? 'another KeySync process');
    if (Date.now() >= deadline) {
      const who = await holder();
      throw new KeySyncError('DATABASE_BUSY', 'database', options.busyMessage?.(who) ?? `The registry is in use by ${who}.`, { file: options.location, remedy: waitedRemedy(options.timeoutMs) });
    }
    if (tries === 0 && options.onWait) options.onWait(await holder());
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function releaseSessionLock<DB>(db: Kysely<DB>, lockClass: number, schema: string): Promise<void> {
  await sql`select pg_advisory_unlock(${lockClass}, hashtext(${schema}))`.execute(db);
  // Back to the name the session started with (connection.ts).
  await sql`reset application_name`.execute(db);
}

/**
 * Starts a write transaction holding its share of the registry lock (released at its end),
 * waiting for it at most `lockTimeoutMs`. One round trip: the statements carry no parameters
 * (the schema is a checked identifier, config/schema.ts), so they go as one simple query.
 */
export async function beginSharingRegistry<DB>(db: Kysely<DB>, schema: string, lockTimeoutMs: number): Promise<void> {
  const literal = `'${schema.replace(/'/g, "''")}'`;
  await sql
    .raw(`begin; select set_config('lock_timeout', '${Math.trunc(lockTimeoutMs)}ms', true), pg_advisory_xact_lock_shared(${LOCK_CLASS.registry}, hashtext(${literal}))`)
    .execute(db);
}

async function holderOf<DB>(db: Kysely<DB>, lockClass: number, schema: string): Promise<string | undefined> {
  const { rows } = await sql<{ application_name: string; pid: number; client_addr: string | null; backend_start: Date }>`
    select a.application_name, a.pid, host(a.client_addr) as client_addr, a.backend_start
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.classid = ${lockClass}::oid and l.objid = hashtext(${schema})::oid and l.objsubid = 2`
    .execute(db)
    .catch(() => ({ rows: [] }));
  const row = rows[0];
  if (!row) return undefined;
  const name = row.application_name.replace(/^keysync: /, '') || 'a KeySync process';
  return `${name} (server process ${row.pid}${row.client_addr ? ` from ${row.client_addr}` : ''}, since ${new Date(row.backend_start).toISOString()})`;
}
