/**
 * The registry in a PostgreSQL schema, shared by a team (docs/behaviour.md §7,
 * docs/decisions.md §19). Readers never block: MVCC gives each statement a consistent view.
 * Write transactions are READ COMMITTED and share the registry's advisory lock; a registry
 * copy holds it exclusively, a run only while it reserves its ids (docs/decisions.md §19).
 * Serialization failures and deadlocks are retried here, so none reaches the user. Each write
 * transaction notifies the registry's channel as it commits (registry-notifications.ts).
 */
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { KeySyncError } from '../../errors.js';
import type { Db, OpenedStore, StoreBackend, Tx } from '../backend.js';
import { assertNotNewer, migrationProvider, SCHEMA_VERSION } from '../migrations.js';
import type { KeySyncTables } from '../tables.js';
import { acquireSessionLock, beginSharingRegistry, LOCK_CLASS, releaseSessionLock } from './advisory-locks.js';
import { postgresConnection, quoteIdentifier, type PostgresConnection, type PostgresTarget } from './connection.js';
import { postgresDdl } from './ddl.js';
import { notifyAndCommit } from './registry-notifications.js';
import { RETRYABLE_SQLSTATES, sqlState, translatePostgresError } from './postgres-errors.js';

export interface PostgresStoreOptions extends PostgresTarget {
  /** Open for a dry run: no migration, every write refused by the Store. */
  readonly readonly?: boolean;
  /** How long a write or a run waits for the registry lock. */
  readonly lockTimeoutMs?: number;
}

/** Kysely's migration bookkeeping, in KeySync's schema. */
const MIGRATION_TABLE = 'kysely_migration';
const MAX_ATTEMPTS = 8;
/** Tables whose ids a run plans itself (core/registry-plan.ts) and inserts as given. */
const PLANNED_ID_TABLES = ['master_keys', 'audit_log'] as const;

/** The registry's schema, opened; or, for a read-only open, `'not created'` when KeySync never migrated it (a dry run before the first run). */
export async function openPostgres(options: PostgresStoreOptions): Promise<OpenedStore | 'not created'> {
  const connection = postgresConnection(options);
  const lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ ...connection.pool, max: 4 });
  quietUntilUsed(pool);
  const db = new Kysely<KeySyncTables>({ dialect: new PostgresDialect({ pool }) });
  const translate = (error: unknown) => translatePostgresError(error, connection.location, connection.user);
  try {
    if (options.readonly && (await refuseOutdated(db, connection)) === 'not created') {
      await db.destroy();
      return 'not created';
    }
    if (!options.readonly) await migrate(db, connection);
  } catch (error) {
    await db.destroy();
    throw translate(error);
  }
  const exclusiveSessions = new WeakSet<Db>();
  const backend: StoreBackend = {
    location: connection.location,
    sessionsBesideOthers: true,
    access: (_purpose, work) => work(),
    exclusive: (db, purpose, work) =>
      db.connection().execute(async (session) => {
        await acquireSessionLock(session, LOCK_CLASS.registry, connection.schema, { purpose, timeoutMs: lockTimeoutMs, location: connection.location });
        exclusiveSessions.add(session);
        try {
          return await work(session);
        } finally {
          exclusiveSessions.delete(session);
          await releaseSessionLock(session, LOCK_CLASS.registry, connection.schema).catch(() => undefined);
        }
      }),
    // A run holds no registry lock across its commit stage: decisions meet it only on the rows
    // both change, and its changes apply only to entries still as it read them.
    commitSession: (db, _purpose, work) => db.connection().execute(work),
    // Briefly exclusive: write transactions hold the shared lock while they take ids, so none
    // is between nextval and setval. A queued (not polled) lock, so a stream of decisions
    // cannot starve it: the server makes later shares wait behind it.
    reserveIds: (db, counts) =>
      withRetries(() =>
        db.connection().execute(async (session) => {
          try {
            await sql.raw(`begin; select set_config('lock_timeout', '${Math.trunc(lockTimeoutMs)}ms', true)`).execute(session);
            await sql`select pg_advisory_xact_lock(${LOCK_CLASS.registry}, hashtext(${connection.schema}))`.execute(session);
            const first = { masterKey: await reserveRange(session, 'master_keys', counts.masterKeys), audit: await reserveRange(session, 'audit_log', counts.audit) };
            await sql`commit`.execute(session);
            return first;
          } catch (error) {
            await sql`rollback`.execute(session).catch(() => undefined);
            throw error;
          }
        }),
      ),
    transaction: (db, work) => withRetries(() => inTransaction(db, work, { schema: connection.schema, lockTimeoutMs, plannedIds: exclusiveSessions.has(db) })),
    translateError: translate,
  };
  return { db, backend };
}

/**
 * A connection the server ends (a restart, a terminated backend) emits 'error', which would
 * crash the process with no listener; the next query on it fails instead, with a message.
 */
/** What quietUntilUsed needs of a pg Pool (declared here so the SDK's declarations never name pg's types). */
export interface QuietablePool {
  on(event: 'error', listener: () => void): unknown;
  on(event: 'connect', listener: (client: { on(event: 'error', listener: () => void): unknown }) => void): unknown;
}

export function quietUntilUsed(pool: QuietablePool): void {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
}

interface TransactionSettings {
  readonly schema: string;
  readonly lockTimeoutMs: number;
  /** A run's commit: it inserts the ids it planned, so the identity sequences catch up before it ends. */
  readonly plannedIds: boolean;
}

async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, settings: TransactionSettings): Promise<T> {
  return db.connection().execute(async (connection) => {
    try {
      await beginSharingRegistry(connection, settings.schema, settings.lockTimeoutMs);
      const result = await work(connection);
      if (settings.plannedIds) await catchUpIdentities(connection);
      // Every write adds audit events: watching workspaces are told, once it has committed.
      await sql.raw(notifyAndCommit(settings.schema)).execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

/** Runs a transaction again after a serialization failure or a deadlock, after a short random pause. */
async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const state = sqlState(error);
      if (tries >= MAX_ATTEMPTS || state === undefined || !RETRYABLE_SQLSTATES.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * tries));
    }
  }
}

/**
 * After ids were inserted as planned, the next id the database assigns follows the largest.
 * Safe only under the exclusive registry lock: no other writer can be between nextval and commit.
 */
async function catchUpIdentities(tx: Tx): Promise<void> {
  for (const table of PLANNED_ID_TABLES) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) from ${sql.table(table)}`.execute(tx);
  }
}

/**
 * Sets `count` ids of `table` aside: the first is past both the largest id and the sequence,
 * and the sequence moves past the last, so the rows can be inserted later with these ids
 * while other writers take theirs from the sequence.
 */
async function reserveRange(db: Db, table: (typeof PLANNED_ID_TABLES)[number], count: number): Promise<number> {
  const { rows } = await sql<{ first: string }>`
    select setval(seq, greatest(nextval(seq), (select coalesce(max(id), 0) + 1 from ${sql.table(table)})) + ${count}, false) - ${count} as first
    from (select pg_get_serial_sequence(${table}, 'id')::regclass as seq) s`.execute(db);
  return Number(rows[0]!.first);
}

/** The schema version: how many of KeySync's migrations ran (0 for a schema not yet made). */
async function schemaVersion(db: Db, schema: string): Promise<number> {
  const { rows } = await sql<{ present: string | null }>`select to_regclass(${`${quoteIdentifier(schema)}.${MIGRATION_TABLE}`}) as present`.execute(db);
  if (!rows[0]?.present) return 0;
  const counted = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}.${MIGRATION_TABLE}`)}`.execute(db);
  return Number(counted.rows[0]?.n ?? 0);
}

async function migrate(db: Db, connection: PostgresConnection): Promise<void> {
  const version = await schemaVersion(db, connection.schema);
  assertNotNewer(version, { location: connection.location });
  if (version === SCHEMA_VERSION) return;
  // Checked first: CREATE SCHEMA IF NOT EXISTS needs the right to create even when the schema exists.
  const { rows } = await sql<{ n: number }>`select 1 as n from pg_namespace where nspname = ${connection.schema}`.execute(db);
  if (rows.length === 0) await db.schema.createSchema(connection.schema).ifNotExists().execute();
  // Kysely's PostgreSQL migrator holds its own advisory lock: two first uses at once migrate once.
  const { error } = await new Migrator({ db, provider: migrationProvider(postgresDdl), migrationTableSchema: connection.schema }).migrateToLatest();
  if (error) {
    const translated = translatePostgresError(error, connection.location, connection.user);
    if (translated instanceof KeySyncError) throw translated;
    throw new KeySyncError('DATABASE_MIGRATION', 'database', `Upgrading the registry schema failed: ${(error as Error).message}.`, {
      file: connection.location,
      cause: error,
      remedy: 'restore the schema from a backup (pg_dump), or report this with the message',
    });
  }
}

/**
 * A dry run cannot migrate, so a registry not yet at this version is refused rather than
 * misread; one never created at all is reported, for the caller to read as empty.
 */
async function refuseOutdated(db: Db, connection: PostgresConnection): Promise<'not created' | 'current'> {
  const version = await schemaVersion(db, connection.schema);
  assertNotNewer(version, { location: connection.location });
  if (version === 0) return 'not created';
  if (version < SCHEMA_VERSION) {
    throw new KeySyncError('DATABASE_OUTDATED', 'database', `The registry uses an older schema (${version}) and a dry run cannot upgrade it.`, {
      file: connection.location,
      remedy: 'run once without --dry-run to upgrade it',
    });
  }
  return 'current';
}
