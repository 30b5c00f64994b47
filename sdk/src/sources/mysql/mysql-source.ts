/**
 * The `mysql` source type, for MySQL 8 and MariaDB 10.11 (docs/database-sources.md): a table or
 * one SELECT, read in a READ ONLY transaction as a stream: mysql2 stops reading the socket
 * while the sink is behind, so the table is never held in memory at once. Keys are read as
 * `CAST(key_column AS CHAR)`, the text the server prints. A row's locator is its primary key
 * (`42` for one integer column, `code=X-1`, `id=1,region=EU`), else its 1-based row number: MySQL has no stable row id, and a
 * table without a primary key returns rows in no promised order, so such a number may point
 * at another row once the table has changed.
 */
import type { Connection } from 'mysql2';
import type { SystemId } from '../../core/types.js';
import type { MysqlSourceConfig } from '../../config/database-sources.js';
import { cancelledError, throwIfAborted } from '../../errors.js';
import type { RowLocator, RowSink, ScanOptions, SourceContext, SourceReader, SourceType } from '../source-type.js';
import { targetLocation } from '../database/database-target.js';
import { quoteIdentifier } from '../database/identifiers.js';
import { keyLocator, keyLocatorValues } from '../key-locator.js';
import { hashRows } from '../database/result-hash.js';
import { checkedQuery, fromClause, tableParts, type ServerDialect } from '../database/source-relation.js';
import { feedSink } from '../database/sink-failure.js';
import { mysqlEndpoint, runQuery, withReadOnlySession, type MysqlEndpoint, type SessionOptions } from './mysql-session.js';

const DIALECT: ServerDialect = { name: 'mysql', quote: '`', qualifier: 'database' };

/** Rows mysql2 buffers ahead of the sink before it pauses the socket. */
export const MYSQL_BUFFERED_ROWS = 10_000;

type RowIdentity = { readonly kind: 'key'; readonly columns: readonly string[]; readonly integerKey: boolean } | { readonly kind: 'number' };

export const mysqlSourceType: SourceType<MysqlSourceConfig> = {
  type: 'mysql',
  open: (system, config, context) => new MysqlReader(system, config, context),
};

class MysqlReader implements SourceReader {
  readonly location: string;
  private readonly endpoint: MysqlEndpoint;

  constructor(
    readonly system: SystemId,
    private readonly config: MysqlSourceConfig,
    context: SourceContext,
  ) {
    this.endpoint = mysqlEndpoint(system, config, context);
    this.location = targetLocation(this.endpoint.target);
  }

  async fingerprint(options: ScanOptions = {}): Promise<string | undefined> {
    if (this.config.fingerprint_query === undefined) return undefined;
    const sql = checkedQuery(this.endpoint, DIALECT, this.config.fingerprint_query, 'fingerprint_query');
    return withReadOnlySession(this.endpoint, this.sessionOptions(options), async (connection) => hashRows((await runQuery(connection, sql)).rows));
  }

  async scan(sink: RowSink, options: ScanOptions = {}): Promise<void> {
    const from = fromClause(this.endpoint, DIALECT, this.config);
    await withReadOnlySession(this.endpoint, this.sessionOptions(options), async (connection) => {
      const identity = await this.rowIdentity(connection);
      const cast = (column: string) => `CAST(${quoteIdentifier(column, '`')} AS CHAR)`;
      const columns = [this.keyColumn, ...(identity.kind === 'key' ? identity.columns : [])].map(cast);
      const stream = connection.query({ sql: `SELECT ${columns.join(', ')} FROM ${from}`, rowsAsArray: true }).stream({ highWaterMark: MYSQL_BUFFERED_ROWS });
      // mysql2 tells a streaming query nothing when the connection drops (it has no callback
      // to tell); the connection's error event does, and a cancel must not wait for the next row.
      const lost = (error: Error) => stream.destroy(error);
      const cancelled = () => stream.destroy(cancelledError());
      connection.once('error', lost);
      options.signal?.addEventListener('abort', cancelled, { once: true });
      let rowNumber = 0;
      try {
        for await (const row of stream as AsyncIterable<(string | null)[]>) {
          rowNumber++;
          const locator: RowLocator = identity.kind === 'key' ? keyLocator(identity.columns, row.slice(1), identity.integerKey) : rowNumber;
          feedSink(() => sink.row(row[0], locator));
          if (rowNumber % MYSQL_BUFFERED_ROWS === 0) throwIfAborted(options.signal);
        }
      } finally {
        connection.off('error', lost);
        options.signal?.removeEventListener('abort', cancelled);
        stream.destroy();
      }
      throwIfAborted(options.signal);
    });
  }

  async showRow(locator: RowLocator, options: ScanOptions = {}): Promise<ReadonlyMap<string, string | null> | undefined> {
    const from = fromClause(this.endpoint, DIALECT, this.config);
    return withReadOnlySession(this.endpoint, this.sessionOptions(options), async (connection) => {
      const identity = await this.rowIdentity(connection);
      let sql: string;
      let values: unknown[];
      if (identity.kind === 'key') {
        const keyValues = keyLocatorValues(locator, identity.columns, identity.integerKey);
        if (!keyValues) return undefined;
        sql = `SELECT * FROM ${from} WHERE ${identity.columns.map((column) => `${quoteIdentifier(column, '`')} = ?`).join(' AND ')}`;
        values = keyValues;
      } else if (identity.kind === 'number' && typeof locator === 'number' && Number.isSafeInteger(locator) && locator >= 1) {
        sql = `SELECT * FROM ${from} LIMIT 1 OFFSET ?`;
        values = [locator - 1];
      } else {
        return undefined;
      }
      const { rows, fields } = await runQuery(connection, sql, values);
      const row = rows[0];
      return row && new Map(fields.map((field, i) => [field.name, row[i] ?? null]));
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

  /** A query's rows are numbered; a table's are found by primary key, else numbered too (there is no stable row id). */
  private async rowIdentity(connection: Connection): Promise<RowIdentity> {
    if (this.config.table === undefined) return { kind: 'number' };
    const parts = tableParts(this.endpoint, DIALECT, this.config.table);
    const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
    const { rows } = await runQuery(
      connection,
      `SELECT k.COLUMN_NAME, c.DATA_TYPE FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME
        WHERE k.CONSTRAINT_NAME = 'PRIMARY' AND k.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND k.TABLE_NAME = ?
        ORDER BY k.ORDINAL_POSITION`,
      [schema, table],
    );
    if (!rows.length) return { kind: 'number' };
    // tinyint … bigint: one such column makes the locator the number itself.
    return { kind: 'key', columns: rows.map((row) => row[0]!), integerKey: rows.length === 1 && /int$/i.test(rows[0]![1] ?? '') };
  }
}
