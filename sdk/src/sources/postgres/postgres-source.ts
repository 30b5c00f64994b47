/**
 * The `postgres` source type (docs/database-sources.md): a table or one SELECT, read in a READ
 * ONLY transaction through a server-side cursor, a batch at a time: a batch goes into the sink
 * before the next is fetched, so the table is never held in memory at once. Keys are read as
 * `key_column::text`, the text PostgreSQL prints (exact for bigint and numeric). A row's
 * locator is its primary key (`42` for one integer column, `code=X-1`, `id=1,region=EU`), else its ctid for a plain table or
 * materialized view (`ctid=(0,1)`: it changes when the row is updated or the table rewritten),
 * else (a view, a query) its 1-based row number.
 */
import type { Client } from 'pg';
import type { SystemId } from '../../core/types.js';
import type { PostgresSourceConfig } from '../../config/database-sources.js';
import { throwIfAborted } from '../../errors.js';
import type { RowLocator, RowSink, ScanOptions, SourceContext, SourceReader, SourceType } from '../source-type.js';
import { targetLocation } from '../database/database-target.js';
import { quoteIdentifier, quoteQualifiedName } from '../database/identifiers.js';
import { keyLocator, keyLocatorValues } from '../key-locator.js';
import { hashRows } from '../database/result-hash.js';
import { checkedQuery, fromClause, tableParts, type ServerDialect } from '../database/source-relation.js';
import { feedSink } from '../database/sink-failure.js';
import { postgresEndpoint, TEXT_TYPES, withReadOnlySession, type PostgresEndpoint, type SessionOptions } from './postgres-session.js';

const DIALECT: ServerDialect = { name: 'postgres', quote: '"', qualifier: 'schema' };

/** Rows fetched per round trip: large enough to stream fast, small enough to keep memory flat. */
export const POSTGRES_BATCH_ROWS = 10_000;

/** How a source's rows are named in reports: by primary key, by ctid, or numbered in scan order. */
export type RowIdentity =
  | { readonly kind: 'key'; readonly columns: readonly string[]; readonly integerKey: boolean }
  | { readonly kind: 'ctid' }
  | { readonly kind: 'number' };

/** The expressions selected after the key that name a row (none when rows are numbered). */
export function locatorExpressions(identity: RowIdentity): string[] {
  return identity.kind === 'key' ? identity.columns.map((column) => `${quoteIdentifier(column, '"')}::text`) : identity.kind === 'ctid' ? ['ctid::text'] : [];
}

/** A row's locator from the texts locatorExpressions selected and its 1-based place in the scan. */
export function rowLocator(identity: RowIdentity, values: readonly (string | null)[], rowNumber: number): RowLocator {
  return identity.kind === 'key' ? keyLocator(identity.columns, values, identity.integerKey) : identity.kind === 'ctid' ? `ctid=${values[0]}` : rowNumber;
}

/**
 * What the postgres engine (docs/behaviour.md §11) reads of a postgres source: the same
 * connection, relation, key column and row identity as its scan, so both engines read the
 * same rows and name them alike.
 */
export interface PostgresRelation {
  readonly endpoint: PostgresEndpoint;
  readonly keyColumn: string;
  readonly connectTimeoutS: number;
  /** The FROM clause (throws SOURCE_QUERY_REFUSED or CONFIG_INVALID as a scan would). */
  from(): string;
  rowIdentity(client: Client): Promise<RowIdentity>;
}

/** The relation of a postgres source's reader; undefined for a reader of another type. */
export function postgresRelation(reader: SourceReader): PostgresRelation | undefined {
  return reader instanceof PostgresReader ? reader.relation : undefined;
}

export const postgresSourceType: SourceType<PostgresSourceConfig> = {
  type: 'postgres',
  open: (system, config, context) => new PostgresReader(system, config, context),
};

class PostgresReader implements SourceReader {
  readonly location: string;
  private readonly endpoint: PostgresEndpoint;

  constructor(
    readonly system: SystemId,
    private readonly config: PostgresSourceConfig,
    context: SourceContext,
  ) {
    this.endpoint = postgresEndpoint(system, config, context);
    this.location = targetLocation(this.endpoint.target);
  }

  get relation(): PostgresRelation {
    return {
      endpoint: this.endpoint,
      keyColumn: this.keyColumn,
      connectTimeoutS: this.config.connect_timeout_s,
      from: () => fromClause(this.endpoint, DIALECT, this.config),
      rowIdentity: (client) => this.rowIdentity(client),
    };
  }

  async fingerprint(options: ScanOptions = {}): Promise<string | undefined> {
    if (this.config.fingerprint_query === undefined) return undefined;
    const sql = checkedQuery(this.endpoint, DIALECT, this.config.fingerprint_query, 'fingerprint_query');
    return withReadOnlySession(this.endpoint, this.sessionOptions(options), async (client) => {
      const result = await client.query<(string | null)[]>({ text: sql, rowMode: 'array', types: TEXT_TYPES });
      return hashRows(result.rows);
    });
  }

  async scan(sink: RowSink, options: ScanOptions = {}): Promise<void> {
    const from = fromClause(this.endpoint, DIALECT, this.config);
    const { default: Cursor } = await import('pg-cursor');
    await withReadOnlySession(this.endpoint, this.sessionOptions(options), async (client) => {
      const identity = await this.rowIdentity(client);
      const sql = `SELECT ${[`${quoteIdentifier(this.keyColumn, '"')}::text`, ...locatorExpressions(identity)].join(', ')} FROM ${from}`;
      const cursor = client.query(new Cursor<(string | null)[]>(sql, [], { rowMode: 'array', types: TEXT_TYPES }));
      let rowNumber = 0;
      for (;;) {
        const rows = await cursor.read(POSTGRES_BATCH_ROWS);
        if (rows.length === 0) break;
        throwIfAborted(options.signal);
        for (const row of rows) {
          rowNumber++;
          const locator = rowLocator(identity, row.slice(1), rowNumber);
          feedSink(() => sink.row(row[0], locator));
        }
      }
      // Only a cursor read to its end is closed: after a failure pg-cursor would wait for an
      // answer a dead connection never gives; ending the connection drops the cursor anyway.
      await cursor.close();
    });
  }

  async showRow(locator: RowLocator, options: ScanOptions = {}): Promise<ReadonlyMap<string, string | null> | undefined> {
    const from = fromClause(this.endpoint, DIALECT, this.config);
    return withReadOnlySession(this.endpoint, this.sessionOptions(options), async (client) => {
      const identity = await this.rowIdentity(client);
      let sql: string;
      let values: string[];
      if (identity.kind === 'key') {
        const keyValues = keyLocatorValues(locator, identity.columns, identity.integerKey);
        if (!keyValues) return undefined;
        sql = `SELECT * FROM ${from} WHERE ${identity.columns.map((column, i) => `${quoteIdentifier(column, '"')} = $${i + 1}`).join(' AND ')}`;
        values = keyValues;
      } else if (identity.kind === 'ctid' && typeof locator === 'string' && /^ctid=\(\d+,\d+\)$/.test(locator)) {
        sql = `SELECT * FROM ${from} WHERE ctid = $1::tid`;
        values = [locator.slice('ctid='.length)];
      } else if (identity.kind === 'number' && typeof locator === 'number' && Number.isSafeInteger(locator) && locator >= 1) {
        sql = `SELECT * FROM ${from} OFFSET $1 LIMIT 1`;
        values = [String(locator - 1)];
      } else {
        return undefined;
      }
      const result = await client.query<(string | null)[]>({ text: sql, values, rowMode: 'array', types: TEXT_TYPES });
      const row = result.rows[0];
      return row && new Map(result.fields.map((field, i) => [field.name, row[i] ?? null]));
    });
  }

  /** Spaces around the configured name do not count, as for every source type. */
  private get keyColumn(): string {
    return this.config.key_column.trim();
  }

  private sessionOptions(options: ScanOptions): SessionOptions {
    return {
      connectTimeoutS: this.config.connect_timeout_s,
      statementTimeoutS: this.config.statement_timeout_s,
      keyColumn: this.keyColumn,
      signal: options.signal,
    };
  }

  /** A query's rows are numbered; a table's are found by primary key, else ctid (tables and materialized views only). */
  private async rowIdentity(client: Client): Promise<RowIdentity> {
    if (this.config.table === undefined) return { kind: 'number' };
    // The key's columns in key order, each with whether it is smallint, integer or bigint.
    const result = await client.query<{ relkind: string; primary_key: string | null }>({
      text: `SELECT c.relkind::text AS relkind,
                    (SELECT json_agg(json_build_array(a.attname::text, a.atttypid IN (20, 21, 23)) ORDER BY k.position)::text
                       FROM pg_index i
                       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                      WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key
               FROM pg_class c WHERE c.oid = $1::regclass`,
      values: [quoteQualifiedName(tableParts(this.endpoint, DIALECT, this.config.table), DIALECT.quote)],
      types: TEXT_TYPES,
    });
    const { relkind, primary_key: primaryKey } = result.rows[0]!;
    if (primaryKey !== null) {
      const columns = JSON.parse(primaryKey) as [string, boolean][];
      return { kind: 'key', columns: columns.map(([name]) => name), integerKey: columns.length === 1 && columns[0]![1] };
    }
    return relkind === 'r' || relkind === 'm' ? { kind: 'ctid' } : { kind: 'number' };
  }
}
