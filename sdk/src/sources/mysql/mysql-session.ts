/**
 * One connection to MySQL or MariaDB for one task (a scan, a fingerprint, one row): mysql2 is
 * loaded here, on first use, so a workspace without a mysql source never loads it. Every
 * session is a READ ONLY transaction; statement_timeout_s becomes MariaDB's
 * max_statement_time or MySQL's max_execution_time, whichever server answers. A cancel
 * destroys the connection at once. Every failure leaves as a KeySyncError (mysql-errors.ts).
 */
import type { Connection, ConnectionOptions, FieldPacket, TypeCast } from 'mysql2';
import { cancelledError, isKeySyncError, KeySyncError } from '../../errors.js';
import type { SystemId } from '../../core/types.js';
import type { MysqlSourceConfig } from '../../config/database-sources.js';
import type { SourceContext } from '../source-type.js';
import { databaseSourceError, driverSays, type DatabaseTarget } from '../database/database-target.js';
import { SinkFailure } from '../database/sink-failure.js';
import { readSourceUrl } from '../database/source-url.js';
import { mysqlProblem, type Phase } from './mysql-errors.js';

/** ssl-mode as the mysql client names it; PREFERRED is not offered: mysql2 cannot fall back. */
const SSL_MODES = ['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;

/** Every value as the text the server sent (NULL as null): keys and "open this row" show what the database prints. */
const asText: TypeCast = (field) => field.string();

export interface MysqlEndpoint {
  readonly target: DatabaseTarget;
  readonly secrets: readonly string[];
  readonly configError: KeySyncError | undefined;
  readonly sslMode: string | undefined;
  readonly options: ConnectionOptions;
}

export function mysqlEndpoint(system: SystemId, config: MysqlSourceConfig, context: SourceContext): MysqlEndpoint {
  const source = readSourceUrl(system, config.url, context.env);
  const { url } = source;
  let { configError } = source;
  const urlPassword = source.password;
  const handed = context.passwords?.get(system);
  // The URL's own password wins, then the editor's, then MYSQL_PWD (the mysql client's variable).
  const password = urlPassword ?? handed ?? context.env.MYSQL_PWD;
  const database = source.database ?? '';
  const target: DatabaseTarget = {
    system,
    scheme: 'mysql',
    user: source.user ?? context.env.USER,
    host: url?.hostname || 'localhost',
    port: Number(url?.port || 3306),
    database,
    table: config.table,
  };
  const secrets = [urlPassword, handed, context.env.MYSQL_PWD].filter((secret): secret is string => !!secret);
  const unknown = url ? [...url.searchParams.keys()].filter((name) => name !== 'ssl-mode') : [];
  const sslMode = url?.searchParams.get('ssl-mode')?.toUpperCase();
  if (!configError && !url) {
    configError = new KeySyncError('CONFIG_INVALID', 'config', `sources.${system}.url is not a URL.`, { remedy: 'write it as mysql://user@host:port/database' });
  } else if (!configError && (unknown.length || (sslMode !== undefined && !(SSL_MODES as readonly string[]).includes(sslMode)))) {
    configError = new KeySyncError('CONFIG_INVALID', 'config', `sources.${system}.url has parameters KeySync does not know: ${unknown.length ? unknown.join(', ') : `ssl-mode=${sslMode}`}.`, {
      remedy: `the one parameter is ssl-mode=${SSL_MODES.join('|')}`,
    });
  }
  const options: ConnectionOptions = {
    host: target.host,
    port: target.port,
    user: target.user,
    password,
    database: database || undefined,
    connectTimeout: Math.round(config.connect_timeout_s * 1000),
    typeCast: asText,
    rowsAsArray: true,
    ...(sslMode === undefined || sslMode === 'DISABLED' ? {} : { ssl: { rejectUnauthorized: sslMode !== 'REQUIRED' } }),
  };
  return { target, secrets, configError, sslMode, options };
}

export interface SessionOptions {
  readonly statementTimeoutS: number | undefined;
  readonly connectTimeoutS: number;
  readonly keyColumn: string;
  readonly signal?: AbortSignal;
}

/** A statement's rows (as text) and column names. */
export function runQuery(connection: Connection, sql: string, values: readonly unknown[] = []): Promise<{ rows: (string | null)[][]; fields: FieldPacket[] }> {
  return new Promise((resolve, reject) => {
    connection.query({ sql, values: [...values], rowsAsArray: true, typeCast: asText }, (error, rows, fields) => {
      if (error) reject(error);
      else resolve({ rows: (Array.isArray(rows) ? rows : []) as (string | null)[][], fields: fields ?? [] });
    });
  });
}

/** Connects, opens a READ ONLY transaction, runs `task`, and always closes the connection. */
export async function withReadOnlySession<T>(endpoint: MysqlEndpoint, options: SessionOptions, task: (connection: Connection) => Promise<T>): Promise<T> {
  if (endpoint.configError) throw endpoint.configError;
  const { signal } = options;
  if (signal?.aborted) throw cancelledError();
  const { default: mysql } = await import('mysql2');
  const connection = mysql.createConnection(endpoint.options);
  // A connection lost between statements is reported as an event; the pending call (if any) fails too.
  connection.on('error', () => undefined);
  const destroy = () => connection.destroy();
  signal?.addEventListener('abort', destroy, { once: true });
  let phase: Phase = 'connect';
  try {
    await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
    phase = 'read';
    if (options.statementTimeoutS !== undefined) {
      const [{ 0: version }] = (await runQuery(connection, 'SELECT VERSION()')).rows as [[string]];
      // MariaDB counts in seconds (fractions allowed), MySQL in milliseconds; 0 is no limit on both.
      if (/MariaDB/i.test(version)) await runQuery(connection, 'SET SESSION max_statement_time = ?', [options.statementTimeoutS]);
      else await runQuery(connection, 'SET SESSION max_execution_time = ?', [Math.round(options.statementTimeoutS * 1000)]);
    }
    await runQuery(connection, 'START TRANSACTION READ ONLY');
    const result = await task(connection);
    await runQuery(connection, 'ROLLBACK');
    return result;
  } catch (error) {
    if (error instanceof SinkFailure) throw error.error;
    if (signal?.aborted) throw cancelledError();
    if (isKeySyncError(error)) throw error;
    const problem = mysqlProblem(error, {
      phase,
      user: endpoint.target.user,
      database: endpoint.target.database,
      table: endpoint.target.table,
      keyColumn: options.keyColumn,
      sslMode: endpoint.sslMode,
      connectTimeoutS: options.connectTimeoutS,
      statementTimeoutS: options.statementTimeoutS,
      serverSays: driverSays(error, endpoint.secrets),
    });
    throw databaseSourceError(endpoint.target, problem, endpoint.secrets, error);
  } finally {
    signal?.removeEventListener('abort', destroy);
    connection.destroy();
  }
}
