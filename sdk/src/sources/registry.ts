/**
 * The source types by `type` (docs/architecture.md §4): adding a type adds its folder and one
 * entry here. Opening a source only builds its reader; a type loads its driver (SQLite,
 * Parquet, a database client) inside `scan`, so a driver is loaded only when a source of its
 * type is configured and read.
 */
import type { SourceConfig, SourceConfigOf } from '../config/schema.js';
import type { SystemId } from '../core/types.js';
import { csvSourceType } from './csv/csv-type.js';
import { mysqlSourceType } from './mysql/mysql-source.js';
import { parquetSourceType } from './parquet/parquet-type.js';
import { postgresSourceType } from './postgres/postgres-source.js';
import type { SourceFile } from './source-file.js';
import type { SourceContext, SourceReader, SourceType } from './source-type.js';
import { sqliteSourceType } from './sqlite/sqlite-type.js';

type SourceTypes = { readonly [T in SourceConfig['type']]: SourceType<SourceConfigOf<T>> };

const SOURCE_TYPES: SourceTypes = {
  csv: csvSourceType,
  sqlite: sqliteSourceType,
  parquet: parquetSourceType,
  postgres: postgresSourceType,
  mysql: mysqlSourceType,
};

/** One configured source, ready to read. */
export interface ConfiguredSource {
  readonly system: SystemId;
  /** Its config as written (relative paths unresolved), part of its incremental fingerprint. */
  readonly config: SourceConfig;
  readonly reader: SourceReader;
  /** Where it lives, for messages and reports: a path, or a place in a database (never a password). */
  readonly location: string;
  /** The local file it reads, for file types (path checks, the editor opening it); absent for a server. */
  readonly file?: string;
  /**
   * CSV sources only: the file as a read worker takes it. Only CSV is read in worker threads
   * (docs/decisions.md): parsing is the cost there, while the other types wait on a driver.
   */
  readonly csv?: SourceFile;
}

export function openSource(system: SystemId, config: SourceConfig, context: SourceContext): ConfiguredSource {
  const type = SOURCE_TYPES[config.type] as SourceType<SourceConfig>;
  const reader = type.open(system, config, context);
  const csv: SourceFile | undefined =
    config.type === 'csv'
      ? { system, file: reader.file!, keyColumn: config.key_column, delimiter: config.delimiter, encoding: config.encoding }
      : undefined;
  return { system, config, reader, location: reader.location, ...(reader.file === undefined ? {} : { file: reader.file }), ...(csv ? { csv } : {}) };
}
