/**
 * A mysql2 error → what went wrong for the user, by the server's error number or the socket's
 * code, never by the message text (docs/database-sources.md). Numbers are MySQL's and
 * MariaDB's own (they share them up to 1999; the timeout differs).
 */
import type { SourceProblem } from '../database/database-target.js';

export type Phase = 'connect' | 'read';

export interface MysqlFailureContext {
  readonly phase: Phase;
  readonly user: string | undefined;
  readonly database: string;
  readonly table: string | undefined;
  readonly keyColumn: string;
  readonly sslMode: string | undefined;
  readonly connectTimeoutS: number;
  readonly statementTimeoutS: number | undefined;
  /** The server's words, scrubbed, ready to append. */
  readonly serverSays: string;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TLS_CODE = /^(HANDSHAKE_NO_SSL_SUPPORT|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;
/** Killed, interrupted or shut down while reading (MariaDB's ER_CONNECTION_KILLED is 1927; 2013 is "lost connection"). */
const LOST_ERRNOS = new Set([1053, 1317, 1927, 2013]);
/** MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time) and MySQL's ER_QUERY_TIMEOUT (max_execution_time). */
const TIMEOUT_ERRNOS = new Set([1969, 3024]);

const AGAIN = 'run again when the server is back; nothing from this read was used';

export function mysqlProblem(error: unknown, context: MysqlFailureContext): SourceProblem {
  const { code: rawCode, errno: rawErrno, sqlState } = (error ?? {}) as { code?: unknown; errno?: unknown; sqlState?: unknown };
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const fromServer = typeof sqlState === 'string' && typeof rawErrno === 'number';
  const errno = fromServer ? (rawErrno as number) : undefined;
  const { serverSays } = context;
  const who = context.user ? `user ${context.user}` : 'the user';
  const what = context.table === undefined ? 'the query' : `table ${context.table}`;
  const tag = `${code ?? 'error'} ${errno ?? ''}`.trim();
  switch (errno) {
    case 1045:
    case 1698:
      return { code: 'SOURCE_AUTH', problem: `the server refused the login of ${who} (${tag})${serverSays}`, remedy: "check the password (the URL's, the editor's stored password or MYSQL_PWD) and the hosts the user may log in from" };
    case 1044:
      return { code: 'SOURCE_PERMISSION', problem: `${who} may not use database ${context.database} (${tag})`, remedy: `grant ${who.replace('user ', '')} SELECT on the table; KeySync needs nothing more` };
    case 1049:
      return { code: 'SOURCE_MISSING', problem: `database ${context.database} does not exist (${tag})`, remedy: 'check the database name at the end of the URL' };
    case 1146:
      return {
        code: 'SOURCE_NO_TABLE',
        problem: `${context.table === undefined ? 'a table the query reads' : `table ${context.table}`} does not exist (${tag})${serverSays}`,
        remedy: 'check the name: KeySync quotes it, so it must match exactly (case matters where the server keeps table names in files)',
      };
    case 1054:
      return {
        code: 'SOURCE_NO_KEY_COLUMN',
        problem: `${what} has no column ${context.keyColumn}${context.table === undefined ? ', or the query names a column that does not exist' : ''} (${tag})${serverSays}`,
        remedy: 'check key_column',
      };
    case 1142:
    case 1143:
    case 1227:
      return {
        code: 'SOURCE_PERMISSION',
        problem: `${who} may not read ${what} (permission denied, ${tag})${serverSays}`,
        remedy: `grant ${who.replace('user ', '')} SELECT on the table; KeySync needs nothing more`,
      };
    case 1792:
      return { code: 'SOURCE_QUERY_REFUSED', problem: `the query tried to write, which the read-only transaction refused (${tag})${serverSays}`, remedy: 'give a query that only reads' };
    case 1040:
    case 1129:
      return { code: 'SOURCE_UNREACHABLE', problem: `the server does not accept this connection now (${tag})${serverSays}`, remedy: 'try again later, or set error_handling.retry_attempts' };
  }
  if (errno !== undefined && TIMEOUT_ERRNOS.has(errno)) {
    return {
      code: 'SOURCE_TIMEOUT',
      problem: `a statement ran longer than ${context.statementTimeoutS !== undefined ? `statement_timeout_s (${context.statementTimeoutS} s)` : "the server's time limit"} and was stopped (${tag})`,
      remedy: 'raise statement_timeout_s (0 for no limit), or make the query or table faster to read',
    };
  }
  if (errno !== undefined && LOST_ERRNOS.has(errno)) {
    return { code: 'SOURCE_CONNECTION_LOST', problem: `the server ended the connection${context.phase === 'read' ? ' in the middle of reading' : ''} (${tag})${serverSays}`, remedy: AGAIN };
  }
  if (errno !== undefined) {
    return { code: 'SOURCE_QUERY_FAILED', problem: `the server refused the statement (${tag})${serverSays}`, remedy: context.table === undefined ? 'correct the query' : 'check the table and key_column' };
  }
  if (code && TLS_CODE.test(code)) {
    return {
      code: 'SOURCE_TLS',
      problem: `no TLS connection could be made (${code}, ssl-mode=${context.sslMode ?? 'DISABLED'})${serverSays}`,
      remedy: code === 'HANDSHAKE_NO_SSL_SUPPORT' ? 'enable TLS on the server, or set ssl-mode=DISABLED in the URL if the network is trusted' : 'use a certificate the server trusts, or ssl-mode=REQUIRED to encrypt without checking it',
    };
  }
  if (code === 'ETIMEDOUT' && context.phase === 'connect') {
    return { code: 'SOURCE_UNREACHABLE', problem: `the server did not answer within connect_timeout_s (${context.connectTimeoutS} s)`, remedy: 'check the host and port in the URL and any firewall in between, or raise connect_timeout_s' };
  }
  if (code && (UNREACHABLE_CODES.has(code) || code === 'ETIMEDOUT')) {
    return { code: 'SOURCE_UNREACHABLE', problem: `the server could not be reached (${code})`, remedy: 'check the host and port in the URL, and that the server runs and accepts connections from here' };
  }
  if (context.phase === 'connect') {
    return { code: 'SOURCE_UNREACHABLE', problem: `the connection failed (${tag})${serverSays}`, remedy: 'check the host and port in the URL, and that the server runs' };
  }
  if (code && LOST_CODES.has(code)) {
    return { code: 'SOURCE_CONNECTION_LOST', problem: `the connection was lost in the middle of reading (${code})`, remedy: AGAIN };
  }
  return { code: 'SOURCE_CONNECTION_LOST', problem: `the connection ended in the middle of reading (${tag})${serverSays}`, remedy: AGAIN };
}
