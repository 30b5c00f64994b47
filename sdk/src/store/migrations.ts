/**
 * Versioned schema changes (docs/behaviour.md §7), one list for both backends. Append new
 * migrations; never edit a released one. The count is the schema version: SQLite mirrors it
 * in `PRAGMA user_version` so a newer file is recognised before any write, PostgreSQL counts
 * the rows of Kysely's migration table.
 */
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { KeySyncError } from '../errors.js';

/** The DDL that differs between the backends (sqlite/ddl.ts, postgres/ddl.ts). */
export interface DdlTypes {
  /** An integer primary key the database assigns when none is given, and that takes a given one. */
  generatedId(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Whether a constraint (a CHECK, a primary key) can be dropped and added in place (PostgreSQL), or the table must be rebuilt (SQLite). */
  readonly altersConstraints: boolean;
}

const initial = (ddl: DdlTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('started_at', 'text', (column) => column.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('status', 'text', (column) =>
        column.notNull().check(sql`status in ('running', 'completed', 'failed', 'cancelled')`),
      )
      .addColumn('mode', 'text', (column) => column.notNull())
      .addColumn('report_stamp', 'text', (column) => column.notNull())
      .addColumn('config_file', 'text')
      .addColumn('error', 'text')
      .addColumn('summary', 'text')
      .addColumn('reports', 'text')
      .addColumn('audit_from_id', 'integer', (column) => column.notNull())
      .addColumn('audit_to_id', 'integer')
      .execute();
    await db.schema.createIndex('runs_started_at').on('runs').column('started_at').execute();

    await db.schema
      .createTable('master_keys')
      .addColumn('id', 'integer', ddl.generatedId)
      .addColumn('normalized_key', 'text', (column) => column.notNull().unique())
      .addColumn('master_key', 'text', (column) => column.notNull().unique())
      .addColumn('source_system', 'text', (column) => column.notNull())
      .addColumn('source_key', 'text', (column) => column.notNull())
      .addColumn('strategy', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) =>
        column.notNull().check(sql`status in ('proposed', 'active', 'rejected', 'deprecated', 'resolved')`),
      )
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('created_run_id', 'text', (column) => column.notNull())
      .addColumn('activated_at', 'text')
      .addColumn('status_changed_at', 'text', (column) => column.notNull())
      .addColumn('status_changed_by', 'text', (column) => column.notNull())
      .addColumn('status_reason', 'text')
      .execute();
    await db.schema.createIndex('master_keys_status').on('master_keys').column('status').execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'integer', ddl.generatedId)
      .addColumn('timestamp', 'text', (column) => column.notNull())
      .addColumn('run_id', 'text')
      .addColumn('event_type', 'text', (column) => column.notNull())
      .addColumn('details', 'text', (column) => column.notNull())
      .addColumn('system', 'text')
      .addColumn('key', 'text')
      .addColumn('action', 'text', (column) => column.notNull())
      .addColumn('result', 'text', (column) => column.notNull())
      .addColumn('actor', 'text', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('audit_log_run_id').on('audit_log').column('run_id').execute();

    await db.schema
      .createTable('run_discrepancies')
      .addColumn('run_id', 'text', (column) => column.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('system', 'text', (column) => column.notNull())
      .addColumn('count', 'integer', (column) => column.notNull())
      .addColumn('entries', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('run_discrepancies_pk', ['run_id', 'kind', 'system'])
      .execute();

    await db.schema
      .createTable('source_snapshots')
      .addColumn('system', 'text', (column) => column.primaryKey())
      .addColumn('run_id', 'text', (column) => column.notNull())
      .addColumn('file', 'text', (column) => column.notNull())
      .addColumn('fingerprint', 'text', (column) => column.notNull())
      .addColumn('key_count', 'integer', (column) => column.notNull())
      .addColumn('snapshot_file', 'text', (column) => column.notNull())
      .execute();

    await db.schema
      .createTable('run_checkpoints')
      .addColumn('run_id', 'text', (column) => column.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('stage', 'text', (column) => column.notNull())
      .addColumn('completed_at', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('run_checkpoints_pk', ['run_id', 'stage'])
      .execute();
  },
});

/**
 * Per run: where it writes its reports, so a run that never finished can have them removed
 * later; and the normalisation rules it used (JSON), so a run can tell they changed.
 * `run_checkpoints` goes: it was written at every stage and never read (a resumed run
 * starts over from reading, and the runs table says where each run ended).
 */
const runOutputAndRules: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('output_dir', 'text').execute();
    await db.schema.alterTable('runs').addColumn('normalize_rules', 'text').execute();
    await db.schema.dropTable('run_checkpoints').execute();
  },
};

/**
 * Probable matches (docs/behaviour.md §10): a proposal can be `linked` to the authority key it
 * should be (`linked_to`, set exactly when linked), and pairs a person said are no match are
 * kept so they are not suggested again. PostgreSQL swaps the status CHECK constraint in
 * place; SQLite cannot change one, so there `master_keys` is rebuilt, rows and ids kept.
 */
const linksAndRejectedMatches = (ddl: DdlTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    if (ddl.altersConstraints) {
      await sql`ALTER TABLE master_keys DROP CONSTRAINT master_keys_status_check`.execute(db);
      await db.schema.alterTable('master_keys').addColumn('linked_to', 'text').execute();
      await sql`ALTER TABLE master_keys ADD CONSTRAINT master_keys_status_check CHECK (status in (${sql.join(LINKED_STATUSES.map((status) => sql.lit(status)))}))`.execute(db);
      await sql`ALTER TABLE master_keys ADD CONSTRAINT master_keys_linked_to_check CHECK ((status = 'linked') = (linked_to IS NOT NULL))`.execute(db);
    } else {
      await rebuildSqliteMasterKeysWithLinks(db);
    }
    await db.schema
      .createTable('rejected_matches')
      .addColumn('normalized_key', 'text', (column) => column.notNull())
      .addColumn('authority_key', 'text', (column) => column.notNull())
      .addColumn('rejected_at', 'text', (column) => column.notNull())
      .addColumn('rejected_by', 'text', (column) => column.notNull())
      .addColumn('reason', 'text')
      .addPrimaryKeyConstraint('rejected_matches_pk', ['normalized_key', 'authority_key'])
      .execute();
  },
});

/** The statuses a master key may have from 0003 on: `linked` joins the first five. */
const LINKED_STATUSES = ['proposed', 'active', 'rejected', 'deprecated', 'resolved', 'linked'] as const;

async function rebuildSqliteMasterKeysWithLinks(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE master_keys_linked (
      id integer PRIMARY KEY AUTOINCREMENT,
      normalized_key text NOT NULL UNIQUE,
      master_key text NOT NULL UNIQUE,
      source_system text NOT NULL,
      source_key text NOT NULL,
      strategy text NOT NULL,
      status text NOT NULL CHECK (status in (${sql.join(LINKED_STATUSES.map((status) => sql.lit(status)))})),
      created_at text NOT NULL,
      created_run_id text NOT NULL,
      activated_at text,
      status_changed_at text NOT NULL,
      status_changed_by text NOT NULL,
      status_reason text,
      linked_to text,
      CHECK ((status = 'linked') = (linked_to IS NOT NULL))
    )`.execute(db);
  const columns = sql.raw(
    'id, normalized_key, master_key, source_system, source_key, strategy, status, created_at, created_run_id, activated_at, status_changed_at, status_changed_by, status_reason',
  );
  await sql`INSERT INTO master_keys_linked (${columns}) SELECT ${columns} FROM master_keys`.execute(db);
  await db.schema.dropTable('master_keys').execute();
  await sql`ALTER TABLE master_keys_linked RENAME TO master_keys`.execute(db);
  await db.schema.createIndex('master_keys_status').on('master_keys').column('status').execute();
}

/**
 * A version per registry entry, raised by every change of its status: a decision applies only
 * to the version its maker read, so of two people deciding one key at once exactly one wins
 * (docs/behaviour.md §5).
 */
const registryVersion: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('master_keys').addColumn('version', 'integer', (column) => column.notNull().defaultTo(0)).execute();
  },
};

/**
 * A run's discrepancy groups are stored in parts (store/discrepancies-repo.ts), so `part`
 * joins the key. Rows stored before are each their group's only part, 0. PostgreSQL swaps the
 * key in place; SQLite cannot, so there the table is rebuilt with its rows.
 */
const discrepancyParts = (ddl: DdlTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    if (ddl.altersConstraints) {
      await db.schema.alterTable('run_discrepancies').addColumn('part', 'integer', (column) => column.notNull().defaultTo(0)).execute();
      await sql`ALTER TABLE run_discrepancies DROP CONSTRAINT run_discrepancies_pk`.execute(db);
      await sql`ALTER TABLE run_discrepancies ADD CONSTRAINT run_discrepancies_pk PRIMARY KEY (run_id, kind, system, part)`.execute(db);
      return;
    }
    await db.schema
      .createTable('run_discrepancies_parts')
      .addColumn('run_id', 'text', (column) => column.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('system', 'text', (column) => column.notNull())
      .addColumn('part', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('count', 'integer', (column) => column.notNull())
      .addColumn('entries', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('run_discrepancies_pk', ['run_id', 'kind', 'system', 'part'])
      .execute();
    const columns = sql.raw('run_id, kind, system, count, entries');
    await sql`INSERT INTO run_discrepancies_parts (${columns}) SELECT ${columns} FROM run_discrepancies`.execute(db);
    await db.schema.dropTable('run_discrepancies').execute();
    await sql`ALTER TABLE run_discrepancies_parts RENAME TO run_discrepancies`.execute(db);
  },
});

/**
 * What a run's results were computed from (core/run-inputs.ts), and its probable matches, so
 * that a later run can carry forward the results whose inputs are unchanged.
 */
const runInputsAndMatches: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('inputs', 'text').execute();
    await db.schema
      .createTable('run_probable_matches')
      .addColumn('run_id', 'text', (column) => column.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('part', 'integer', (column) => column.notNull())
      .addColumn('count', 'integer', (column) => column.notNull())
      .addColumn('entries', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('run_probable_matches_pk', ['run_id', 'part'])
      .execute();
  },
};

export function migrations(ddl: DdlTypes): Readonly<Record<string, Migration>> {
  return {
    '0001_initial': initial(ddl),
    '0002_run_output_dir_and_rules_no_checkpoints': runOutputAndRules,
    '0003_links_and_rejected_matches': linksAndRejectedMatches(ddl),
    '0004_registry_version': registryVersion,
    '0005_discrepancy_parts': discrepancyParts(ddl),
    '0006_run_inputs_and_matches': runInputsAndMatches,
  };
}

export const SCHEMA_VERSION = Object.keys(migrations({ generatedId: (column) => column, altersConstraints: false })).length;

export function migrationProvider(ddl: DdlTypes): MigrationProvider {
  return { getMigrations: async () => ({ ...migrations(ddl) }) };
}

/** A registry migrated by a newer KeySync is refused untouched, whichever backend holds it. */
export function assertNotNewer(version: number, where: { readonly file?: string; readonly location: string }): void {
  if (version <= SCHEMA_VERSION) return;
  throw new KeySyncError(
    'DATABASE_NEWER',
    'database',
    `The ${where.location} was written by a newer KeySync (schema ${version}; this version knows ${SCHEMA_VERSION}); it was left untouched.`,
    { file: where.file, remedy: 'upgrade KeySync to open it' },
  );
}
