/**
 * The source seam (docs/architecture.md §4): what every kind of source (CSV file, SQLite file,
 * Parquet file, PostgreSQL or MySQL/MariaDB table or query) implements. A type is one folder
 * under `sources/` exporting a SourceType; the format-neutral row policy (bad rows,
 * normalisation, repeated rows, the index) is shared by every type and never lives in one.
 */
import type { BadRowReason, KeysDigest, RowLocator, SystemId } from '../core/types.js';

/**
 * Where one row sits in its source, as reports and "open this row" name it: a CSV line
 * (a number), a table's primary key or the engine's row id, a query's row number.
 * Defined in core (the KeyIndex keeps it), re-exported here as part of the seam.
 */
export type { RowLocator };

/**
 * Receives a scan's rows. Calls are synchronous; a scanner that fetches rows in batches
 * (a database cursor) pushes one batch and fetches the next only after, which is its
 * back-pressure. The sink may throw (a bad row under `on_corrupt_data: fail`, a
 * cancellation): the scanner must stop, release what it holds and rethrow.
 */
export interface RowSink {
  /**
   * One data row. `raw` is the key as text (a non-text column as the database prints it);
   * null for a NULL value, undefined when the row has no key field at all.
   * `irregular` says what is wrong with a row whose key is still usable (a ragged CSV row):
   * the policy keeps or skips it under `on_corrupt_data`.
   */
  row(raw: string | null | undefined, locator: RowLocator, irregular?: string): void;
  /** A row the format could not read at all (an unparseable CSV record). */
  unreadable(locator: RowLocator, reason: BadRowReason, detail: string): void;
  /**
   * About how many rows the scan will push, told before the first when the type can estimate
   * it cheaply (a CSV file from its size), so the sink can size its arrays once. An estimate:
   * it may be high or low, and the rows are the same either way.
   */
  expectRows?(rows: number): void;
}

export interface ScanOptions {
  readonly signal?: AbortSignal;
  /**
   * The sink copies each row away as it comes (the duckdb engine's row table), so a file type
   * may read in bounded chunks (docs/decisions.md §20). The node engine's KeyIndex copies what
   * it keeps too, but reads files whole: chunks measured no lower peak there, as a file's text
   * is garbage before its index is sealed, where the peak is (docs/decisions.md §7).
   */
  readonly chunked?: boolean;
  /**
   * Given, a file type that can take a keys digest of what it reads (see `keysDigestMatches`) passes
   * it here, taken of the very records it scans. Only CSV files do.
   */
  readonly onKeysDigest?: (digest: KeysDigest | undefined) => void;
}

/** A configured source of one type, ready to read. */
export interface SourceReader {
  readonly system: SystemId;
  /**
   * Where the source lives, for messages, reports and the tree: a file path, or for a
   * database its host, database and table (or "query"). Never a password.
   */
  readonly location: string;
  /**
   * The local file the source reads, for file types (CSV, SQLite, Parquet): workspace path
   * checks and the editor use it. Absent for a database server. (Optional: added with the
   * file types; server types leave it out.)
   */
  readonly file?: string;
  /**
   * A cheap identity of the content for incremental mode, or undefined when there is none
   * (the source is then read again on every run).
   */
  fingerprint(options?: ScanOptions): Promise<string | undefined>;
  /**
   * Whether the source's content now has this keys digest: a digest limited to what reading
   * depends on (for a CSV file, what its scan hands the reader: the header's fields, and each
   * record's line, key field and field count). Equal digests read alike under equal settings,
   * so a file whose other columns changed can be taken from its snapshot (docs/decisions.md
   * §22). It stops at the first checkpoint that differs, and throws where reading would
   * refuse the file. Optional: only CSV files have one.
   */
  keysDigestMatches?(expected: KeysDigest): Promise<boolean>;
  /** Streams every row into the sink. Fails with a SOURCE_* KeySyncError when the source is unusable. */
  scan(sink: RowSink, options?: ScanOptions): Promise<void>;
  /** One row again, column name → value as text (null for NULL), for "open this row"; undefined when gone. */
  showRow(locator: RowLocator, options?: ScanOptions): Promise<ReadonlyMap<string, string | null> | undefined>;
}

/** What opening a source may need besides its own config fields. */
export interface SourceContext {
  /** Relative paths in the config resolve against this folder. */
  readonly configDir: string;
  /** For `${VAR}` in URLs and the drivers' own variables (PGPASSWORD …); process.env by default. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Passwords handed over by the host (the editor's SecretStorage), by system; never written anywhere. */
  readonly passwords?: ReadonlyMap<SystemId, string>;
  /**
   * Which SQLite library reads SQLite sources: the one the workspace uses for its own
   * database (better-sqlite3 in the CLI; node-sqlite3-wasm in an editor whose Electron cannot
   * load the native module). Native when absent. (Added with the sqlite type; others ignore it.)
   */
  readonly sqliteDriver?: 'native' | 'wasm';
}

/**
 * One kind of source. Its config fields are declared with the config schema (config/ sits
 * below sources/), as one member of the union on `type`; `open` only builds a reader and
 * connects to nothing, so a driver is loaded only when a source of its type is scanned.
 */
export interface SourceType<Config extends { readonly type: string }> {
  readonly type: Config['type'];
  open(system: SystemId, config: Config, context: SourceContext): SourceReader;
}
