/**
 * A pg error → what went wrong for the user, by SQLSTATE or the socket's errno, never by the
 * message text (docs/database-sources.md). pg reports a few failures with no code at all (a
 * connection closed under it, a server that refuses TLS); those are told apart by when they
 * happen: while connecting, or while reading.
 */
import type { SourceProblem } from '../database/database-target.js';

export type Phase = 'connect' | 'read';

export interface PostgresFailureContext {
  readonly phase: Phase;
  readonly user: string | undefined;
  readonly database: string;
  readonly table: string | undefined;
  readonly keyColumn: string;
  /** The URL asks for TLS (an sslmode other than disable). */
  readonly sslmode: string | undefined;
  readonly connectTimeoutS: number;
  readonly statementTimeoutS: number | undefined;
  /** The connect timer ran out. */
  readonly timedOut: boolean;
  /** The server's words, scrubbed, ready to append. */
  readonly serverSays: string;
}

const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
const LOST_ERRNOS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Node's TLS verification failures carry OpenSSL's names as codes. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;
const SQLSTATE = /^[0-9A-Z]{5}$/;

const CREDENTIALS = "the URL's password, the editor's stored password (KeySync: Set Source Password), PGPASSWORD or ~/.pgpass (PGPASSFILE)";

export function postgresProblem(error: unknown, context: PostgresFailureContext): SourceProblem {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const { serverSays } = context;
  const who = context.user ? `user ${context.user}` : 'the user';
  const what = context.table === undefined ? 'the query' : `table ${context.table}`;
  // A server error carries a severity; a socket's errno (EPIPE) can look like a SQLSTATE.
  const fromServer = typeof (error as { severity?: unknown })?.severity === 'string';
  if (code && fromServer && SQLSTATE.test(code)) {
    switch (code) {
      case '28P01':
      case '28000':
        return { code: 'SOURCE_AUTH', problem: `the server refused the login of ${who} (SQLSTATE ${code})${serverSays}`, remedy: `check the password (${CREDENTIALS}) and that pg_hba.conf lets this user in from here` };
      case '3D000':
        return { code: 'SOURCE_MISSING', problem: `database ${context.database} does not exist (SQLSTATE 3D000)`, remedy: 'check the database name at the end of the URL' };
      case '3F000':
      case '42P01':
        return {
          code: 'SOURCE_NO_TABLE',
          problem: `${context.table === undefined ? 'a table or schema the query reads' : `table ${context.table}`} does not exist (SQLSTATE ${code})${serverSays}`,
          remedy: 'check the name: KeySync quotes it, so it must match exactly, case included (unquoted names are stored in lower case); write schema.table for a table outside the search path',
        };
      case '42703':
        return {
          code: 'SOURCE_NO_KEY_COLUMN',
          problem: `${what} has no column ${context.keyColumn}${context.table === undefined ? ', or the query names a column that does not exist' : ''} (SQLSTATE 42703)${serverSays}`,
          remedy: 'check key_column: it must match the column name exactly, case included',
        };
      case '42501':
        return {
          code: 'SOURCE_PERMISSION',
          problem: `${who} may not read ${context.phase === 'connect' ? `database ${context.database}` : what} (permission denied, SQLSTATE 42501)${serverSays}`,
          remedy: `grant ${who.replace('user ', '')} CONNECT on the database, USAGE on the schema and SELECT on the table; KeySync needs nothing more`,
        };
      case '57014':
        return {
          code: 'SOURCE_TIMEOUT',
          problem: `a statement ran longer than ${context.statementTimeoutS !== undefined ? `statement_timeout_s (${context.statementTimeoutS} s)` : "the server's statement_timeout"} and was stopped (SQLSTATE 57014)`,
          remedy: 'raise statement_timeout_s (0 for no limit), or make the query or table faster to read',
        };
      case '25006':
        return { code: 'SOURCE_QUERY_REFUSED', problem: `the query tried to write, which the read-only transaction refused (SQLSTATE 25006)${serverSays}`, remedy: 'give a query that only reads' };
      case '57P03':
      case '53300':
        return { code: 'SOURCE_UNREACHABLE', problem: `the server does not accept connections now (SQLSTATE ${code})${serverSays}`, remedy: 'try again later, or set error_handling.retry_attempts' };
      default:
        if (code === '57P01' || code === '57P02' || code.startsWith('08')) {
          return {
            code: context.phase === 'connect' ? 'SOURCE_UNREACHABLE' : 'SOURCE_CONNECTION_LOST',
            problem: `the server ended the connection${context.phase === 'read' ? ' in the middle of reading' : ''} (SQLSTATE ${code})${serverSays}`,
            remedy: 'run again when the server is back; nothing from this read was used',
          };
        }
        return { code: 'SOURCE_QUERY_FAILED', problem: `the server refused the statement (SQLSTATE ${code})${serverSays}`, remedy: context.table === undefined ? 'correct the query' : 'check the table and key_column' };
    }
  }
  if (code && TLS_CODE.test(code)) {
    return { code: 'SOURCE_TLS', problem: `the server's TLS certificate was not accepted (${code}, sslmode=${context.sslmode ?? 'default'})${serverSays}`, remedy: 'give the CA with sslrootcert=<file> in the URL, or use sslmode=require to encrypt without checking the certificate' };
  }
  if (code && UNREACHABLE_ERRNOS.has(code)) {
    return { code: 'SOURCE_UNREACHABLE', problem: `the server could not be reached (${code})`, remedy: 'check the host and port in the URL, and that the server runs and accepts connections from here' };
  }
  if (context.phase === 'connect') {
    if (context.timedOut) {
      return { code: 'SOURCE_UNREACHABLE', problem: `the server did not answer within connect_timeout_s (${context.connectTimeoutS} s)`, remedy: 'check the host and port in the URL and any firewall in between, or raise connect_timeout_s' };
    }
    if (context.sslmode !== undefined && context.sslmode !== 'disable') {
      return {
        code: 'SOURCE_TLS',
        problem: `no TLS connection could be made (sslmode=${context.sslmode}): the server may not accept TLS${serverSays}`,
        remedy: 'enable SSL on the server, or set sslmode=disable in the URL if the network is trusted',
      };
    }
    return { code: 'SOURCE_UNREACHABLE', problem: `the connection failed${code ? ` (${code})` : ''}${serverSays}`, remedy: 'check the host and port in the URL, and that the server runs' };
  }
  if (code && LOST_ERRNOS.has(code)) {
    return { code: 'SOURCE_CONNECTION_LOST', problem: `the connection was lost in the middle of reading (${code})`, remedy: 'run again when the server is back; nothing from this read was used' };
  }
  return { code: 'SOURCE_CONNECTION_LOST', problem: `the connection ended in the middle of reading${serverSays}`, remedy: 'run again when the server is back; nothing from this read was used' };
}
