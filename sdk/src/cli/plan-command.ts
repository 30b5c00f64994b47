/**
 * `keysync plan --sql`: the SQL the duckdb or postgres engine runs for this workspace, in
 * order, with comments for what KeySync does between statements (docs/behaviour.md §11), so
 * that a DBA can review it. The statements come from the same builders the engines run (each
 * engine's engine-sql.ts). It names sources by their locations, which never hold a password,
 * and runs nothing.
 */
import { KeySyncError } from '../errors.js';
import { engineSqlPlan } from '../sources/duckdb/engine-sql.js';
import { postgresPlan, postgresRefusalOf } from '../sources/postgres-engine/pg-plan.js';
import type { CliIo } from './io.js';
import { openCliWorkspace } from './open-workspace.js';

export interface PlanOptions {
  readonly config: string;
  readonly sql?: boolean;
}

export async function planCommand(options: PlanOptions, io: CliIo): Promise<void> {
  if (!options.sql) {
    throw new KeySyncError('USAGE', 'usage', 'keysync plan prints the SQL the engine will run; ask for it with --sql.', { remedy: 'keysync plan --sql' });
  }
  const workspace = await openCliWorkspace(options.config, io);
  try {
    const { values } = workspace.config;
    if (values.processing.engine === 'auto') {
      const refusal = values.processing.mode === 'incremental' ? "an incremental run uses the node engine's snapshots" : postgresRefusalOf(workspace.config);
      if (refusal) {
        throw new KeySyncError('USAGE', 'usage', `With engine auto this workspace runs on the node engine (${refusal}), which runs no SQL: it compares keys in this process.`, {
          remedy: 'keysync plan --sql shows SQL when every source is a postgres table or query in one database, or with processing.engine: duckdb',
        });
      }
    }
    if (values.processing.engine === 'postgres' || values.processing.engine === 'auto') {
      io.stdout.write(`-- KeySync: the postgres engine's SQL for ${workspace.config.file ?? 'the default config'} (PostgreSQL, one READ ONLY transaction)\n`);
      io.stdout.write(postgresPlan(workspace.config, process.env));
      return;
    }
    if (values.processing.engine !== 'duckdb') {
      throw new KeySyncError('USAGE', 'usage', `The ${values.processing.engine} engine runs no SQL: it compares keys in this process.`, {
        remedy: 'set processing.engine: duckdb or postgres to reconcile inside an engine',
      });
    }
    const systems = [...values.sources].map(([system, source]) => ({ system, type: source.type, location: workspace.sources.locations.get(system)! }));
    const authority = systems.findIndex((entry) => entry.system === values.authority);
    io.stdout.write(`-- KeySync: the duckdb engine's SQL for ${workspace.config.file ?? 'the default config'} (DuckDB, in memory)\n`);
    io.stdout.write(engineSqlPlan(systems, authority, values.normalize, values.error_handling.on_corrupt_data));
  } finally {
    await workspace.close();
  }
}
