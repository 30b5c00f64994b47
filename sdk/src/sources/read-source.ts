/**
 * Reads one system's CSV into a KeyIndex (docs/behaviour.md §2). Every row keeps its line; every bad
 * row is described with what was done about it. A source that cannot be used at all
 * (missing, unreadable, empty, no key column, wrong encoding) throws a KeySyncError with
 * a SOURCE_* code, and the orchestrator applies `on_missing_file` to it.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { KeyIndex } from '../core/key-index.js';
import type { Normalizer } from '../core/normalize.js';
import type { BadRow, BadRowReason, CorruptDataPolicy } from '../core/types.js';
import { SOURCE_UNAVAILABLE, TRANSIENT_ERRNO_CODES } from './transient-errors.js';
import { KeySyncError } from '../errors.js';
import { scanCsv } from './csv-scan.js';
import { decodeSource, REPLACEMENT_CHARACTER } from './decode.js';
import type { SourceFile } from './source-file.js';

export interface SourceReadOptions {
  readonly normalize: Normalizer;
  readonly onCorruptData: CorruptDataPolicy;
  /** Called every PROGRESS_EVERY rows with the rows read so far. */
  readonly onRows?: (rows: number) => void;
}

export interface SourceRead {
  readonly source: SourceFile;
  readonly index: KeyIndex;
  /** Data rows in the file (blank lines excluded). */
  readonly rows: number;
  readonly badRows: readonly BadRow[];
}

const PROGRESS_EVERY = 100_000;

/**
 * Bump when reading can give another result for the same file (a file now refused, a key
 * column found differently), so that incremental snapshots made by the old reader are not reused.
 */
export const SOURCE_READER_VERSION = 2;

/** Longer "keys" are corrupt rows (a runaway quoted field, a pasted document), not business keys. */
const MAX_KEY_LENGTH = 1024;

export async function readSource(source: SourceFile, options: SourceReadOptions): Promise<SourceRead> {
  const bytes = await readBytes(source.file);
  if (bytes.length === 0) {
    throw new KeySyncError('SOURCE_EMPTY', 'input', `The file for system ${source.system} is empty (no header, no rows).`, {
      file: source.file,
      remedy: `check the export that writes it; it needs a header with a "${source.keyColumn}" column`,
    });
  }
  return indexRows(source, decodeSource(bytes, source.encoding, source.file), options);
}

function indexRows(source: SourceFile, text: string, options: SourceReadOptions): SourceRead {
  const index = new KeyIndex(source.system);
  const badRows: BadRow[] = [];
  let rows = 0;
  let sawHeader = false;
  let headerLength = 0;

  const bad = (line: number, reason: BadRowReason, detail: string, kept = false): void => {
    if (options.onCorruptData === 'fail') {
      throw new KeySyncError('SOURCE_BAD_ROW', 'input', `Bad row in system ${source.system}: ${reason} (${detail}).`, {
        file: source.file,
        line,
        remedy: 'fix the row, or set error_handling.on_corrupt_data to log or skip',
      });
    }
    badRows.push({ system: source.system, file: source.file, line, reason, detail, action: kept ? 'kept' : 'skipped' });
  };

  scanCsv(text, source.delimiter, {
    header(fields, line) {
      sawHeader = true;
      headerLength = fields.length;
      return keyColumnIndex(source, fields, line);
    },
    row(raw, fieldCount, line) {
      rows++;
      if (options.onRows && rows % PROGRESS_EVERY === 0) options.onRows(rows);
      if (raw === undefined || raw.trim() === '') {
        bad(line, 'missing key', raw === undefined ? `only ${fieldCount} of ${headerLength} fields` : 'the key field is blank');
        return;
      }
      if (raw.length > MAX_KEY_LENGTH) {
        bad(line, 'key too long', `${raw.length.toLocaleString('en-US')} characters; a key has at most ${MAX_KEY_LENGTH.toLocaleString('en-US')}`);
        return;
      }
      if (raw.includes(REPLACEMENT_CHARACTER) || raw.includes('\0')) {
        const detail = raw.includes('\0') ? 'the key contains a NUL byte' : `the key is not valid ${source.encoding} text`;
        bad(line, 'undecodable bytes', detail);
        return;
      }
      const key = options.normalize(raw);
      if (key === '') {
        bad(line, 'empty after normalisation', `"${raw}" has no letter or digit`);
        return;
      }
      if (fieldCount !== headerLength) {
        const keep = options.onCorruptData === 'log';
        bad(line, 'ragged row', `${fieldCount} fields where the header has ${headerLength}`, keep);
        if (!keep) return;
      }
      index.add(key, raw, line);
    },
    unparseable(line, message) {
      rows++;
      bad(line, 'unparseable row', message);
    },
  });
  if (!sawHeader) {
    throw new KeySyncError('SOURCE_EMPTY', 'input', `The file for system ${source.system} has only blank lines.`, {
      file: source.file,
      remedy: `it needs a header with a "${source.keyColumn}" column`,
    });
  }
  options.onRows?.(rows);
  return { source, index, rows, badRows };
}

/**
 * Only a regular file is read: a FIFO would block the run until some writer appears, a
 * device such as /dev/zero never ends. It is checked on the path (opening a FIFO waits for
 * a writer) and again on the opened handle, which O_NONBLOCK keeps from waiting should the
 * path have been swapped for a FIFO in between.
 */
async function readBytes(file: string): Promise<Buffer> {
  try {
    refuseUnlessRegularFile(await stat(file), file);
    const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      refuseUnlessRegularFile(await handle.stat(), file);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof KeySyncError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new KeySyncError('SOURCE_MISSING', 'input', 'The source file does not exist.', {
        file,
        remedy: 'check the path in keysync-config.yaml (relative paths start at the config file\'s folder)',
      });
    }
    if (code !== undefined && TRANSIENT_ERRNO_CODES.has(code)) {
      throw new KeySyncError(SOURCE_UNAVAILABLE, 'input', `The source file is unavailable for now (${code}).`, {
        file,
        cause: error,
        remedy: 'try again when the program holding it is done, or set error_handling.retry_attempts',
      });
    }
    throw new KeySyncError('SOURCE_UNREADABLE', 'input', `The source file cannot be read (${code ?? String(error)}).`, {
      file,
      cause: error,
      remedy: code === 'EACCES' ? 'give the user running KeySync read permission' : 'check the file and its path',
    });
  }
}

function refuseUnlessRegularFile(stats: Stats, file: string): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) {
    throw new KeySyncError('SOURCE_NOT_A_FILE', 'input', 'The source path is a folder, not a CSV file.', {
      file,
      remedy: 'point the source path at the CSV file',
    });
  }
  const what = stats.isFIFO()
    ? 'a named pipe (FIFO), which would hold the run until something writes to it'
    : stats.isCharacterDevice()
      ? 'a character device, which may never end (like /dev/zero)'
      : stats.isBlockDevice()
        ? 'a block device'
        : stats.isSocket()
          ? 'a socket'
          : 'not a regular file';
  throw new KeySyncError('SOURCE_NOT_A_FILE', 'input', `The source path is ${what}; only regular files are read.`, {
    file,
    remedy: 'write the export to a regular file and point the source path at it',
  });
}

/**
 * The one header field that names the key column. Spaces around either name do not count
 * (exports pad headers; so do configs); case does, as two columns may differ only by it.
 */
function keyColumnIndex(source: SourceFile, fields: readonly string[], line: number): number {
  const wanted = source.keyColumn.trim();
  const matches = fields.flatMap((field, index) => (field.trim() === wanted ? [index] : []));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw noKeyColumn(source, fields, line);
  throw new KeySyncError(
    'SOURCE_DUPLICATE_KEY_COLUMN',
    'input',
    `The header has ${matches.length} "${wanted}" columns (columns ${matches.map((index) => index + 1).join(' and ')}), so which holds the key is ambiguous.`,
    {
      file: source.file,
      line,
      remedy: `rename the extra column in the export, or set key_column for source ${source.system} to a column named once`,
    },
  );
}

function noKeyColumn(source: SourceFile, fields: readonly string[], line: number): KeySyncError {
  const wanted = source.keyColumn.trim();
  const shown = fields.slice(0, 8).map((field) => JSON.stringify(field)).join(', ');
  const otherCase = fields.find((field) => field.trim().toLowerCase() === wanted.toLowerCase())?.trim();
  return new KeySyncError(
    'SOURCE_NO_KEY_COLUMN',
    'input',
    `The header has no "${wanted}" column (found ${shown}${fields.length > 8 ? ', …' : ''})${otherCase === undefined ? '' : `; did you mean "${otherCase}"?`}`,
    {
      file: source.file,
      line,
      remedy: fields.some((field) => field.includes('\r'))
        ? 'the file ends its lines with CR alone (old Mac style): convert them to LF or CRLF'
        : otherCase !== undefined
          ? `column names match case exactly: set key_column: "${otherCase}" for source ${source.system} in keysync-config.yaml`
          : `add a header row, or set key_column for source ${source.system} in keysync-config.yaml`,
    },
  );
}
