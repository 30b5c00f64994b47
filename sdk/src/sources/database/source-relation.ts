/**
 * What a server source reads, as SQL (docs/database-sources.md): its `table`, quoted safely, or
 * its `query`, refused before anything runs unless it is one SELECT. The same for PostgreSQL
 * and MySQL apart from the quote character and what a table's qualifier names.
 */
import type { KeySyncError } from '../../errors.js';
import { checkSingleSelect } from '../single-select.js';
import { databaseSourceError, type DatabaseTarget } from './database-target.js';
import { quoteQualifiedName, splitQualifiedName, type IdentifierQuote } from './identifiers.js';

export interface ServerDialect {
  readonly name: 'postgres' | 'mysql';
  readonly quote: IdentifierQuote;
  /** What the first part of `a.b` names: a schema in PostgreSQL, a database in MySQL. */
  readonly qualifier: 'schema' | 'database';
}

/** The parts of an endpoint that errors need. */
export interface SourceEndpoint {
  readonly target: DatabaseTarget;
  readonly secrets: readonly string[];
  readonly configError: KeySyncError | undefined;
}

/** A `query` or `fingerprint_query` as checked SQL; throws SOURCE_QUERY_REFUSED otherwise. */
export function checkedQuery(endpoint: SourceEndpoint, dialect: ServerDialect, query: string, field: 'query' | 'fingerprint_query'): string {
  if (endpoint.configError) throw endpoint.configError;
  const check = checkSingleSelect(query, dialect.name);
  if (check.ok) return check.sql;
  throw databaseSourceError(
    endpoint.target,
    { code: 'SOURCE_QUERY_REFUSED', problem: `${field} was refused before running: ${check.reason}`, remedy: `make ${field} one SELECT (or WITH … SELECT, VALUES, TABLE) that only reads` },
    endpoint.secrets,
  );
}

/** `table` split into its parts (`schema.table` or `database.table`); throws CONFIG_INVALID when it is not a name. */
export function tableParts(endpoint: SourceEndpoint, dialect: ServerDialect, table: string): string[] {
  const parts = splitQualifiedName(table, dialect.quote);
  if (parts) return parts;
  throw databaseSourceError(
    endpoint.target,
    {
      code: 'CONFIG_INVALID',
      problem: `table ${table} is not a table name or ${dialect.qualifier}.table`,
      remedy: `write table or ${dialect.qualifier}.table; quote a part holding a dot with ${dialect.quote}`,
    },
    endpoint.secrets,
  );
}

/** The FROM clause of every read: the quoted table, or the checked query as a subquery. */
export function fromClause(endpoint: SourceEndpoint, dialect: ServerDialect, source: { readonly table?: string; readonly query?: string }): string {
  if (source.query !== undefined) return `(\n${checkedQuery(endpoint, dialect, source.query, 'query')}\n) AS keysync_source`;
  return quoteQualifiedName(tableParts(endpoint, dialect, source.table!), dialect.quote);
}
